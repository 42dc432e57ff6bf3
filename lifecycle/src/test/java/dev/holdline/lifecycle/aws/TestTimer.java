package dev.holdline.lifecycle.aws;

import dev.holdline.lifecycle.DrainTimer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A timer and clock the test drives: tasks run on the test's thread when {@link #advance} passes
 * their time, in time order (ties in scheduling order).
 */
final class TestTimer implements DrainTimer {
    private static final Instant EPOCH = Instant.parse("2025-06-02T09:00:00Z");

    private long now;
    private long seq;
    private final List<Task> tasks = new ArrayList<>();

    private static final class Task {
        final long at;
        final long seq;
        final Runnable run;
        volatile boolean cancelled;

        Task(long at, long seq, Runnable run) {
            this.at = at;
            this.seq = seq;
            this.run = run;
        }
    }

    @Override
    public synchronized Cancellable schedule(long delayNanos, Runnable task) {
        Task t = new Task(now + Math.max(0, delayNanos), seq++, task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    /** Moves time forward by {@code by}, running every task due by then (including ones they schedule). */
    void advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.cancelled && t.at <= target)
                        .min(Comparator.<Task>comparingLong(t -> t.at).thenComparingLong(t -> t.seq)).orElse(null);
                if (next == null) {
                    now = target;
                    tasks.removeIf(t -> t.cancelled);
                    return;
                }
                tasks.remove(next);
                now = next.at;
            }
            next.run.run();
        }
    }

    /** Runs what is due now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    synchronized Instant instant() {
        return EPOCH.plusNanos(now);
    }

    /** A clock that reads this timer's time. */
    Clock clock() {
        TestTimer timer = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return timer.instant();
            }
        };
    }
}
