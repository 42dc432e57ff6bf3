package dev.holdline.scheduler;

import java.util.concurrent.atomic.AtomicBoolean;

/** One reserved unit of capacity, owned by one job. */
public final class SlotPermit {
    private final String jobId;
    private final long reservedAtNanos;
    private final AtomicBoolean released = new AtomicBoolean();

    SlotPermit(String jobId, long reservedAtNanos) {
        this.jobId = jobId;
        this.reservedAtNanos = reservedAtNanos;
    }

    public String jobId() {
        return jobId;
    }

    public long reservedAtNanos() {
        return reservedAtNanos;
    }

    /** Returns true exactly once, for the caller that releases the permit. */
    boolean markReleased() {
        return released.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "SlotPermit[" + jobId + "]";
    }
}
