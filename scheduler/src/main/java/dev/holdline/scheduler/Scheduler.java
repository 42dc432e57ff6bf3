package dev.holdline.scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what this worker takes. Holds the session table (reserved and running jobs), computes
 * load, and answers offers without blocking: an offer is a few map and atomic operations.
 * Thread-safe; offers, assignments and ends may race from any thread.
 */
public final class Scheduler {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final SlotSupplier slots;
    private final LoadFunction loadFunction;
    private final double loadThreshold;
    private final long assignmentTimeoutNanos;
    private final CpuSampler cpuSampler;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, SessionEntry> table = new ConcurrentHashMap<>();
    /** Running entries, kept as a count: load is computed on every offer and must not walk the table. */
    private final AtomicInteger runningCount = new AtomicInteger();

    private volatile boolean accepting;
    private volatile boolean draining;
    private volatile double cpuShare;
    private volatile boolean loadFunctionFailed;

    /**
     * @param slots             session capacity
     * @param loadFunction      load in [0, 1]; called on every offer and status update, so keep it cheap
     * @param loadThreshold     at or above this load the worker is full ({@code Double.POSITIVE_INFINITY}: never)
     * @param assignmentTimeout how long an accepted offer holds its slot waiting for the assignment
     * @param cpuSampler        CPU share source, sampled by {@link #sampleCpu()}
     * @param nanoClock         monotonic clock (tests own it)
     */
    public Scheduler(SlotSupplier slots, LoadFunction loadFunction, double loadThreshold,
                     Duration assignmentTimeout, CpuSampler cpuSampler, LongSupplier nanoClock) {
        if (!(loadThreshold > 0)) {
            throw new IllegalArgumentException("loadThreshold must be > 0, was " + loadThreshold);
        }
        this.slots = slots;
        this.loadFunction = loadFunction;
        this.loadThreshold = loadThreshold;
        this.assignmentTimeoutNanos = assignmentTimeout.toNanos();
        this.cpuSampler = cpuSampler;
        this.nanoClock = nanoClock;
    }

    /** Answers an offer. An accepted offer holds a slot until {@link #start} or expiry. */
    public Admission offer(String jobId) {
        if (draining) {
            return new Admission.Rejected(RejectReason.DRAINING, "worker is draining");
        }
        if (!accepting) {
            return new Admission.Rejected(RejectReason.NOT_ACCEPTING, "worker is not accepting jobs");
        }
        if (table.containsKey(jobId)) {
            return new Admission.Rejected(RejectReason.DUPLICATE_JOB, "job " + jobId + " is already here");
        }
        double load = load();
        if (load >= loadThreshold) {
            return new Admission.Rejected(RejectReason.LOAD_THRESHOLD,
                    String.format("load %.2f >= threshold %.2f", load, loadThreshold));
        }
        Optional<SlotPermit> permit = slots.tryReserve(jobId);
        if (permit.isEmpty()) {
            return new Admission.Rejected(RejectReason.NO_SLOT, "all " + slots.maxSlots() + " session slots are taken");
        }
        SessionEntry entry = new SessionEntry(jobId, permit.get(), nanoClock.getAsLong());
        if (table.putIfAbsent(jobId, entry) != null) {
            slots.release(permit.get(), ReleaseReason.START_FAILED);
            return new Admission.Rejected(RejectReason.DUPLICATE_JOB, "job " + jobId + " is already here");
        }
        return new Admission.Accepted(permit.get());
    }

    /** Gives back a reservation that will not be used (e.g. the answer could not be sent). */
    public void cancel(String jobId, ReleaseReason reason) {
        SessionEntry entry = table.get(jobId);
        if (entry != null && entry.withdraw()) {
            table.remove(jobId, entry);
            slots.release(entry.permit(), reason);
        }
    }

    /**
     * The assignment for a reserved job arrived: the session starts. Returns false when the job
     * has no live reservation (never offered here, expired, or already started).
     */
    public boolean start(String jobId) {
        SessionEntry entry = table.get(jobId);
        if (entry == null || !entry.markRunning(nanoClock.getAsLong())) {
            return false;
        }
        runningCount.incrementAndGet();
        slots.markUsed(entry.permit());
        return true;
    }

    /** The session ended (any outcome); frees its slot. Unknown ids are ignored. */
    public void end(String jobId) {
        SessionEntry entry = table.remove(jobId);
        if (entry != null) {
            boolean wasRunning = entry.state() == SessionEntry.State.RUNNING;
            if (wasRunning) {
                runningCount.decrementAndGet();
            }
            slots.release(entry.permit(), wasRunning ? ReleaseReason.SESSION_ENDED : ReleaseReason.START_FAILED);
        }
    }

    /** Releases reservations whose assignment did not come in time; returns their job ids. */
    public List<String> expireReservations() {
        long now = nanoClock.getAsLong();
        List<String> expired = new ArrayList<>();
        for (SessionEntry entry : table.values()) {
            if (now - entry.reservedAtNanos() >= assignmentTimeoutNanos && entry.withdraw()) {
                table.remove(entry.jobId(), entry);
                slots.release(entry.permit(), ReleaseReason.ASSIGNMENT_TIMEOUT);
                expired.add(entry.jobId());
            }
        }
        return expired;
    }

    /** Current load in [0, 1]. A failing custom load function falls back to the default, logged once. */
    public double load() {
        var snapshot = new LoadFunction.LoadSnapshot(cpuShare, running(), reserved(), slots.maxSlots());
        double value;
        try {
            value = loadFunction.load(snapshot);
        } catch (RuntimeException e) {
            if (!loadFunctionFailed) {
                loadFunctionFailed = true;
                log.error("The load function threw; using the default load (max of CPU share and sessions) instead", e);
            }
            value = LoadFunction.DEFAULT.load(snapshot);
        }
        if (Double.isNaN(value)) {
            return 1;
        }
        return Math.max(0, Math.min(1, value));
    }

    /** Full: the worker reports {@code WS_FULL} and declines offers. Draining counts as full. */
    public boolean isFull() {
        return draining || load() >= loadThreshold || slots.usedSlots() >= slots.maxSlots();
    }

    /** Takes a fresh CPU sample (call once per status interval). */
    public void sampleCpu() {
        if (cpuSampler != null) {
            cpuShare = cpuSampler.sample();
        }
    }

    /** Starts or stops taking offers (false until the worker is registered). */
    public void setAccepting(boolean accepting) {
        this.accepting = accepting;
    }

    /** From now on every offer is declined with {@link RejectReason#DRAINING}. Sessions run on. */
    public void startDraining() {
        this.draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    public int running() {
        return runningCount.get();
    }

    /** Accepted offers whose session has not started (yet). */
    public int reserved() {
        return Math.max(0, table.size() - runningCount.get());
    }

    /** Anything reserved or running: work worth protecting from scale-in. */
    public boolean hasWork() {
        return !table.isEmpty();
    }

    /** Ids of running sessions (what a reconnect migrates). */
    public List<String> runningJobIds() {
        List<String> ids = new ArrayList<>();
        for (SessionEntry e : table.values()) {
            if (e.state() == SessionEntry.State.RUNNING) {
                ids.add(e.jobId());
            }
        }
        return ids;
    }

    public double loadThreshold() {
        return loadThreshold;
    }

    public int maxSessions() {
        return slots.maxSlots();
    }
}
