package dev.holdline.scheduler;

/** One row of the session table: a job reserved here, then running. */
final class SessionEntry {
    enum State { RESERVED, RUNNING, WITHDRAWN }

    private final String jobId;
    private final SlotPermit permit;
    private final long reservedAtNanos;
    private volatile State state = State.RESERVED;
    private volatile long startedAtNanos;

    SessionEntry(String jobId, SlotPermit permit, long reservedAtNanos) {
        this.jobId = jobId;
        this.permit = permit;
        this.reservedAtNanos = reservedAtNanos;
    }

    String jobId() {
        return jobId;
    }

    SlotPermit permit() {
        return permit;
    }

    long reservedAtNanos() {
        return reservedAtNanos;
    }

    State state() {
        return state;
    }

    long startedAtNanos() {
        return startedAtNanos;
    }

    /** RESERVED → WITHDRAWN (expired or cancelled), so a late assignment cannot start it. */
    synchronized boolean withdraw() {
        if (state != State.RESERVED) {
            return false;
        }
        state = State.WITHDRAWN;
        return true;
    }

    /** RESERVED → RUNNING, once. */
    synchronized boolean markRunning(long now) {
        if (state != State.RESERVED) {
            return false;
        }
        startedAtNanos = now;
        state = State.RUNNING;
        return true;
    }
}
