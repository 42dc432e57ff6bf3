package dev.holdline.worker.session;

import dev.holdline.lifecycle.DrainReport;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Where a worker's sessions run: in this JVM ({@link SessionManager}) or in supervised session
 * hosts ({@code dev.holdline.worker.host.HostedSessions}). Either way it reports
 * {@code JS_RUNNING} and the final status through its {@link JobStatusSink}, tells its
 * {@link SessionObserver}, and frees a session's slot when the session has ended.
 */
public interface SessionRuntime extends AutoCloseable {

    /** Gets ready to run sessions (session hosts start their warm hosts here). Called once, by the worker's start. */
    default void open() {
    }

    /**
     * Waits until sessions can start without delay (session hosts: a warm host has attached), at
     * most a bounded time. Called once by the worker's start, after {@link #open()}, before it registers.
     */
    default void awaitReady() {
    }

    /** Who hears of session starts and ends (metrics, admin API). Set before the first session. */
    void observe(SessionObserver observer);

    /** Starts the session under {@code profile}. Throws when it cannot even be started. */
    void start(JobInfo job, String identity, String url, String token, CallProfile profile);

    /** Asks one session to end. Returns false for an unknown job. */
    boolean terminate(String jobId, EndReason reason);

    /** Asks every session to end and waits up to {@code timeout} for them; returns those still running. */
    Set<String> terminateAll(EndReason reason, Duration timeout) throws InterruptedException;

    /** Starts the drain: every session gets its deadline. Returns false when a drain already started. */
    boolean startDrain(Optional<Duration> hardLimit);

    /** How the drain is going, once it started. */
    Optional<DrainReport> drainReport();

    /** Sessions running. */
    int active();

    Set<String> jobIds();

    @Override
    void close();
}
