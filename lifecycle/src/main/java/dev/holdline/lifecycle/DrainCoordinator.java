package dev.holdline.lifecycle;

import dev.holdline.lifecycle.profile.CallProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each session its drain deadline and keeps it. When the drain starts, a session's
 * deadline is {@code min(drain start + its profile's drain_timeout, drain start + hard limit)}
 * (hard limit = stop timeout - safety margin); its handler is told at once ({@code onDraining}),
 * again {@code wrap_up_notice} before the deadline ({@code onWrapUp}), and at the deadline the
 * session is ended ({@code onDeadline}). A session that starts during the drain (an offer
 * accepted just before it) gets the same treatment from its own start.
 */
public final class DrainCoordinator {
    private static final Logger log = LoggerFactory.getLogger(DrainCoordinator.class);

    /** Where the coordinator's decisions go (the session runtime). Calls come from the timer thread. */
    public interface Target {
        void onDraining(String jobId, Instant deadline);

        void onWrapUp(String jobId, Instant deadline);

        void onDeadline(String jobId);
    }

    private final Target target;
    private final DrainTimer timer;
    private final LongSupplier nanoClock;
    private final Supplier<Instant> wallClock;
    private final Map<String, Tracked> sessions = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    private boolean draining;
    private long drainStartNanos;
    private Optional<Duration> hardLimit = Optional.empty();
    private int atStart;
    private int finished;
    private int endedAtDeadline;
    private long lastEndNanos;

    public DrainCoordinator(Target target, DrainTimer timer, LongSupplier nanoClock, Supplier<Instant> wallClock) {
        this.target = target;
        this.timer = timer;
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
    }

    private static final class Tracked {
        final CallProfile profile;
        volatile long deadlineNanos = Long.MAX_VALUE;
        volatile boolean deadlineFired;
        volatile DrainTimer.Cancellable wrapUp;
        volatile DrainTimer.Cancellable deadline;

        Tracked(CallProfile profile) {
            this.profile = profile;
        }
    }

    /** A session started under {@code profile}. During a drain it is scheduled at once. */
    public void sessionStarted(String jobId, CallProfile profile) {
        Tracked t = new Tracked(profile);
        synchronized (lock) {
            if (sessions.putIfAbsent(jobId, t) != null) {
                return;
            }
            if (draining) {
                atStart++;
                schedule(jobId, t, nanoClock.getAsLong());
            }
        }
    }

    /** A session ended, for whatever reason. Unknown ids are ignored. */
    public void sessionEnded(String jobId) {
        Tracked t = sessions.remove(jobId);
        if (t == null) {
            return;
        }
        cancel(t);
        synchronized (lock) {
            if (draining) {
                lastEndNanos = nanoClock.getAsLong();
                if (t.deadlineFired) {
                    endedAtDeadline++;
                } else {
                    finished++;
                }
            }
        }
    }

    /**
     * Starts the drain: computes every session's deadline and schedules its notices. Returns
     * false (and changes nothing) when a drain already started.
     *
     * @param hardLimit stop timeout minus safety margin, when known; caps every deadline
     */
    public boolean start(Optional<Duration> hardLimit) {
        synchronized (lock) {
            if (draining) {
                return false;
            }
            draining = true;
            drainStartNanos = nanoClock.getAsLong();
            lastEndNanos = drainStartNanos;
            this.hardLimit = hardLimit;
            atStart = sessions.size();
            sessions.forEach((jobId, t) -> schedule(jobId, t, drainStartNanos));
        }
        return true;
    }

    private void schedule(String jobId, Tracked t, long fromNanos) {
        Duration limit = t.profile.drainTimeout();
        if (hardLimit.isPresent()) {
            // The hard limit runs from the drain's start (when ECS's SIGKILL clock started).
            Duration hardLeft = hardLimit.get().minusNanos(fromNanos - drainStartNanos);
            if (hardLeft.compareTo(limit) < 0) {
                limit = hardLeft.isNegative() ? Duration.ZERO : hardLeft;
            }
        }
        long now = nanoClock.getAsLong();
        t.deadlineNanos = fromNanos + limit.toNanos();
        Instant deadline = wallClock.get().plusNanos(t.deadlineNanos - now);
        log.info("Job {} (profile '{}') drains until {} ({} s from now)", jobId, t.profile.name(), deadline,
                (t.deadlineNanos - now) / 1_000_000_000.0);
        safely("onDraining", jobId, () -> target.onDraining(jobId, deadline));
        long wrapUpAt = t.deadlineNanos - t.profile.wrapUpNotice().toNanos();
        t.wrapUp = timer.schedule(wrapUpAt - now, () -> {
            if (sessions.get(jobId) == t) {
                safely("onWrapUp", jobId, () -> target.onWrapUp(jobId, deadline));
            }
        });
        t.deadline = timer.schedule(t.deadlineNanos - now, () -> {
            if (sessions.get(jobId) == t) {
                t.deadlineFired = true;
                log.warn("Job {} (profile '{}') reached its drain deadline; ending it", jobId, t.profile.name());
                safely("onDeadline", jobId, () -> target.onDeadline(jobId));
            }
        });
    }

    private static void safely(String what, String jobId, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("Drain {} for job {} failed", what, jobId, e);
        }
    }

    private static void cancel(Tracked t) {
        DrainTimer.Cancellable w = t.wrapUp;
        DrainTimer.Cancellable d = t.deadline;
        if (w != null) {
            w.cancel();
        }
        if (d != null) {
            d.cancel();
        }
    }

    public boolean isDraining() {
        synchronized (lock) {
            return draining;
        }
    }

    /** Sessions still tracked. */
    public int remaining() {
        return sessions.size();
    }

    /** The session's deadline, once the drain has given it one. */
    public Optional<Instant> deadlineOf(String jobId) {
        Tracked t = sessions.get(jobId);
        if (t == null || t.deadlineNanos == Long.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(wallClock.get().plusNanos(t.deadlineNanos - nanoClock.getAsLong()));
    }

    /** The profile a session runs under. */
    public Optional<CallProfile> profileOf(String jobId) {
        Tracked t = sessions.get(jobId);
        return t == null ? Optional.empty() : Optional.of(t.profile);
    }

    /** The drain so far (empty before it starts). */
    public Optional<DrainReport> report() {
        synchronized (lock) {
            if (!draining) {
                return Optional.empty();
            }
            long end = sessions.isEmpty() ? lastEndNanos : nanoClock.getAsLong();
            return Optional.of(new DrainReport(atStart, finished, endedAtDeadline, Duration.ofNanos(end - drainStartNanos)));
        }
    }
}
