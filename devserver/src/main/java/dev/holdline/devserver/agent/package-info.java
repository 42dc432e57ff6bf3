/**
 * LiveKit's agent side: the {@code /agent} WebSocket endpoint workers connect to, the registry of
 * workers, and the dispatcher that offers jobs to them, assigns and terminates them. Also the
 * dispatches that create jobs, and the events and views tests observe it through.
 *
 * <p>Threading: socket callbacks run on Jetty threads and only touch their own connection and
 * worker; everything about jobs and offers runs on one dispatcher thread (see {@link
 * dev.holdline.devserver.agent.JobDispatcher}), so no job state is shared between threads.
 */
package dev.holdline.devserver.agent;
