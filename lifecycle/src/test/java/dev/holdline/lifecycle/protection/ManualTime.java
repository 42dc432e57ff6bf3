package dev.holdline.lifecycle.protection;

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
 * Time the test owns: a {@link Clock} and a {@link DrainTimer} on the same manual time line. Tasks
 * run on the test's thread when {@link #advance} passes their time; every requested delay is kept
 * so tests can check backoff.
 */
final class ManualTime extends Clock implements DrainTimer {
    private final Instant origin = Instant.parse("2026-03-01T12:00:00Z");
    private long nowNanos;
    private final List<Task> tasks = new ArrayList<>();
    private final List<Duration> requestedDelays = new ArrayList<>();

    private static final class Task {
        final long at;
        final Runnable run;
        volatile boolean cancelled;

        Task(long at, Runnable run) {
            this.at = at;
            this.run = run;
        }
    }

    @Override
    public synchronized Cancellable schedule(long delayNanos, Runnable task) {
        Task t = new Task(nowNanos + Math.max(0, delayNanos), task);
        tasks.add(t);
        requestedDelays.add(Duration.ofNanos(delayNanos));
        return () -> t.cancelled = true;
    }

    /** Moves time forward, running due tasks in time order (on this thread). */
    void advance(Duration by) {
        long target;
        synchronized (this) {
            target = nowNanos + by.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.cancelled && t.at <= target)
                        .min(Comparator.comparingLong(t -> t.at)).orElse(null);
                if (next == null) {
                    nowNanos = target;
                    tasks.removeIf(t -> t.cancelled);
                    return;
                }
                tasks.remove(next);
                nowNanos = next.at;
            }
            next.run.run();
        }
    }

    /** Tasks scheduled and not cancelled. */
    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }

    /** Delays of the pending tasks, soonest first. */
    synchronized List<Duration> pendingDelays() {
        return tasks.stream().filter(t -> !t.cancelled).sorted(Comparator.comparingLong(t -> t.at))
                .map(t -> Duration.ofNanos(t.at - nowNanos)).toList();
    }

    synchronized List<Duration> requestedDelays() {
        return List.copyOf(requestedDelays);
    }

    @Override
    public synchronized Instant instant() {
        return origin.plusNanos(nowNanos);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
