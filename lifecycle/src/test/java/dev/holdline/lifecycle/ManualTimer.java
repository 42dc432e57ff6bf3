package dev.holdline.lifecycle;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A timer the test drives: tasks run when {@link #advance} passes their time. */
final class ManualTimer implements DrainTimer {
    private long now;
    private final List<Task> tasks = new ArrayList<>();

    private static final class Task {
        final long at;
        final Runnable run;
        boolean cancelled;

        Task(long at, Runnable run) {
            this.at = at;
            this.run = run;
        }
    }

    long now() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(long delayNanos, Runnable task) {
        Task t = new Task(now + Math.max(0, delayNanos), task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    /** Moves time forward, running due tasks in time order. */
    void advance(long nanos) {
        long target = now + nanos;
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.cancelled && t.at <= target)
                        .min(Comparator.comparingLong(t -> t.at)).orElse(null);
                if (next == null) {
                    now = target;
                    return;
                }
                tasks.remove(next);
                now = next.at;
            }
            next.run.run();
        }
    }

    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }
}
