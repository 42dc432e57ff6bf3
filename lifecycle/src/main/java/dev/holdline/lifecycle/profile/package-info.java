/**
 * Call profiles: how long each kind of call may go on after a drain starts, and the guard that
 * keeps that inside the container's stop timeout.
 *
 * <ul>
 *   <li>{@link dev.holdline.lifecycle.profile.ProfileConfig} — the profiles and limits, loaded from
 *       the profile file and the environment ({@code load}, {@code fromEnv}) or built in code; it
 *       also chooses a job's profile ({@code resolve}).</li>
 *   <li>{@link dev.holdline.lifecycle.profile.DrainConfigGuard} — refuses to start when a profile's
 *       drain would outlast the stop timeout or Fargate's 120 s cap.</li>
 *   <li>{@link dev.holdline.lifecycle.profile.Durations} — the duration syntax of file and
 *       environment ({@code 900s}, {@code 15m}, {@code PT15M}, ...).</li>
 * </ul>
 */
package dev.holdline.lifecycle.profile;
