/**
 * An embedded LiveKit-compatible server for Holdline's dev mode and tests: {@link
 * dev.holdline.devserver.DevServer} to embed it, {@link dev.holdline.devserver.DevServerMain} to
 * run it from the command line. Subpackages: {@code auth} (tokens), {@code agent} (the worker
 * protocol and dispatch), {@code rtc} (room signaling and media relay), {@code twirp} (server API),
 * {@code room} (rooms), {@code events}, {@code ids}.
 */
package dev.holdline.devserver;
