package dev.holdline.worker.telemetry;

import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.logging.SessionLogContext;
import java.time.Instant;
import java.util.Optional;

/**
 * A running session as operators see it. Reads its drain deadline and ending flag live from the
 * session; never exposes the room token.
 */
public final class LiveSession {
    private final SessionLogContext context;
    private final Session session;
    private final Instant startedAt;
    private final long startedNanos;

    LiveSession(SessionLogContext context, Session session, Instant startedAt, long startedNanos) {
        this.context = context;
        this.session = session;
        this.startedAt = startedAt;
        this.startedNanos = startedNanos;
    }

    public String sessionId() {
        return context.sessionId();
    }

    public JobInfo job() {
        return session.job();
    }

    public String participantIdentity() {
        return session.participantIdentity();
    }

    public String profile() {
        return context.profile();
    }

    public Instant startedAt() {
        return startedAt;
    }

    long startedNanos() {
        return startedNanos;
    }

    /** Set once the worker drains. */
    public Optional<Instant> drainDeadline() {
        return session.drainDeadline();
    }

    /** True once the session has been asked to end (or has ended). */
    public boolean ending() {
        return session.isEnding();
    }
}
