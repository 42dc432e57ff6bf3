package dev.holdline.worker.session;

import dev.holdline.lifecycle.DrainCoordinator;
import dev.holdline.lifecycle.DrainReport;
import dev.holdline.lifecycle.DrainTimer;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.logging.SessionLogContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import livekit.LivekitAgent.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each session on its own virtual thread and reports how it goes: {@code JS_RUNNING} at the
 * start, {@code JS_SUCCESS} or {@code JS_FAILED} (with the error text) at the end. A handler that
 * throws fails only its own session. Ending a session is escalating: ask ({@code awaitEnd}
 * returns), wait the termination grace, then interrupt its thread.
 */
public final class SessionManager implements SessionRuntime, DrainCoordinator.Target {
    private static final Logger log = LoggerFactory.getLogger(SessionManager.class);

    private final AgentHandler handler;
    private final JobStatusSink statusSink;
    private final Consumer<String> onEnded;
    private final Duration terminationGrace;
    private final Map<String, RunningSession> sessions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("holdline-session-watchdog").factory());
    private final DrainTimer drainTimer = DrainTimer.newTimer("holdline-drain-timer");
    private final DrainCoordinator drain = new DrainCoordinator(this, drainTimer, System::nanoTime, Instant::now);
    private final RoomConnector rooms = new RoomConnector();
    private volatile SessionObserver observer = SessionObserver.NONE;

    /**
     * @param onEnded          told the job id once a session has ended and reported (frees its slot)
     * @param terminationGrace how long a handler has to return after being asked to end
     */
    public SessionManager(AgentHandler handler, JobStatusSink statusSink, Consumer<String> onEnded,
                          Duration terminationGrace) {
        this.handler = handler;
        this.statusSink = statusSink;
        this.onEnded = onEnded;
        this.terminationGrace = terminationGrace;
    }

    @Override
    public void observe(SessionObserver observer) {
        this.observer = observer;
    }

    /** Starts the session on its own virtual thread, under {@code profile}. */
    @Override
    public void start(JobInfo job, String identity, String url, String token, CallProfile profile) {
        start(job, identity, url, token, profile, SessionLogContext.mint(job.id(), job.roomName(), profile.name()));
    }

    /** As {@link #start(JobInfo, String, String, String, CallProfile)}, with a session id minted elsewhere (a supervisor). */
    public void start(JobInfo job, String identity, String url, String token, CallProfile profile,
                      SessionLogContext logContext) {
        RunningSession[] self = new RunningSession[1];
        RunningSession session = new RunningSession(job, identity, url, token, profile.name(), rooms,
                reason -> terminate(job.id(), reason), logContext,
                () -> tellObserver(() -> observer.roomJoined(self[0], logContext)),
                () -> tellObserver(() -> observer.firstAudio(self[0], logContext)));
        self[0] = session;
        if (sessions.putIfAbsent(job.id(), session) != null) {
            log.warn("Job {} is already running here; duplicate assignment ignored", job.id());
            return;
        }
        drain.sessionStarted(job.id(), profile);
        // The log context is open for the thread's whole life: every line of the session carries it.
        Thread t = Thread.ofVirtual().name("session-" + job.id()).unstarted(logContext.wrap(() -> run(session)));
        session.attach(t);
        t.start();
    }

    private void run(RunningSession session) {
        String jobId = session.job().id();
        statusSink.update(jobId, JobStatus.JS_RUNNING, "");
        log.info("Session started: job {} room '{}' as '{}' (profile '{}')", jobId, session.roomName(),
                session.participantIdentity(), session.profile());
        tellObserver(() -> observer.sessionStarted(session, session.logContext()));
        JobStatus status = JobStatus.JS_SUCCESS;
        String error = "";
        EndReason reason;
        try {
            handler.run(session);
            reason = session.settle(EndReason.HANDLER_RETURNED);
        } catch (InterruptedException e) {
            reason = session.settle(EndReason.HANDLER_FAILED);
            if (reason == EndReason.HANDLER_FAILED) {
                status = JobStatus.JS_FAILED;
                error = "handler interrupted";
            }
        } catch (Throwable e) {
            reason = session.settle(EndReason.HANDLER_FAILED);
            status = JobStatus.JS_FAILED;
            error = errorText(e);
            log.error("Session handler failed: job {} room '{}': {}", jobId, session.roomName(), error, e);
        }
        // Leave the room before reporting: the slot is free only once the media is gone.
        session.closeRoom("session ended (" + reason + ")");
        if (session.roomLostError().isPresent() && status == JobStatus.JS_SUCCESS) {
            status = JobStatus.JS_FAILED;
            error = session.roomLostError().get();
        }
        if (reason == EndReason.DRAIN_DEADLINE) {
            // The call was cut by the drain, not finished: say so (a dispatch with a restart
            // policy lets the server run it again elsewhere).
            status = JobStatus.JS_FAILED;
            error = "ended at its drain deadline (profile '" + session.profile() + "')"
                    + (error.isEmpty() ? "" : "; handler: " + error);
        }
        session.runCallbacks(reason);
        sessions.remove(jobId, session);
        drain.sessionEnded(jobId);
        statusSink.update(jobId, status, error);
        session.markFinished();
        log.info("Session ended: job {} ({}, {})", jobId, reason, status);
        EndReason endReason = reason;
        boolean succeeded = status == JobStatus.JS_SUCCESS;
        String errorText = error;
        tellObserver(() -> observer.sessionEnded(session, session.logContext(), endReason, succeeded, errorText));
        onEnded.accept(jobId);
    }

    private static void tellObserver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("A session observer failed", e);
        }
    }

    /** Asks one session to end. Returns false for an unknown job. */
    @Override
    public boolean terminate(String jobId, EndReason reason) {
        RunningSession session = sessions.get(jobId);
        if (session == null) {
            return false;
        }
        if (session.requestEnd(reason)) {
            try (var mdc = session.logContext().open()) {
                log.info("Ending job {}: {}", jobId, reason);
            }
            try {
                watchdog.schedule(() -> interruptIfStuck(session), terminationGrace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // The manager is closing (the worker stops); the handler was asked to end all the same.
                log.debug("No watchdog for job {}: the session manager is closed", jobId);
            }
        }
        return true;
    }

    private void interruptIfStuck(RunningSession session) {
        if (!session.isFinished()) {
            try (var mdc = session.logContext().open()) {
                log.warn("Handler of job {} did not return within {} ms of being asked to end; interrupting it",
                        session.job().id(), terminationGrace.toMillis());
            }
            Thread t = session.thread();
            if (t != null) {
                t.interrupt();
            }
        }
    }

    /** Asks every session to end and waits up to {@code timeout} for them; returns those still running. */
    @Override
    public Set<String> terminateAll(EndReason reason, Duration timeout) throws InterruptedException {
        List<RunningSession> all = List.copyOf(sessions.values());
        for (RunningSession s : all) {
            terminate(s.job().id(), reason);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RunningSession s : all) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                s.awaitFinished(Duration.ofNanos(left));
            }
        }
        return Set.copyOf(sessions.keySet());
    }

    /**
     * Starts the drain: every session gets its deadline (see {@link DrainCoordinator}). Returns
     * false when a drain already started.
     */
    @Override
    public boolean startDrain(Optional<Duration> hardLimit) {
        return drain.start(hardLimit);
    }

    /** How the drain is going, once it started. */
    @Override
    public Optional<DrainReport> drainReport() {
        return drain.report();
    }

    @Override
    public void onDraining(String jobId, Instant deadline) {
        RunningSession s = sessions.get(jobId);
        if (s != null) {
            s.draining(deadline);
        }
    }

    @Override
    public void onWrapUp(String jobId, Instant deadline) {
        RunningSession s = sessions.get(jobId);
        if (s != null) {
            try (var mdc = s.logContext().open()) {
                log.info("Job {}: wrap-up notice, deadline {}", jobId, deadline);
            }
            s.wrapUp(deadline);
        }
    }

    @Override
    public void onDeadline(String jobId) {
        terminate(jobId, EndReason.DRAIN_DEADLINE);
    }

    @Override
    public int active() {
        return sessions.size();
    }

    @Override
    public Set<String> jobIds() {
        return Set.copyOf(sessions.keySet());
    }

    public boolean isRunning(String jobId) {
        return sessions.containsKey(jobId);
    }

    /** Makes the first session's media engine now (see {@link RoomConnector#prewarm}). */
    public void prewarmMedia() {
        rooms.prewarm(1);
    }

    @Override
    public void close() {
        rooms.close();
        watchdog.shutdownNow();
        DrainTimer.shutdown(drainTimer);
    }

    /** "ExceptionClass: message", at most 500 characters: the error text reported with {@code JS_FAILED}. */
    public static String errorText(Throwable e) {
        String msg = e.getMessage();
        String text = e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }
}
