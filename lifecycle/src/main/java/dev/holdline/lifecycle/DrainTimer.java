package dev.holdline.lifecycle;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay; the returned handle cancels it. An interface so that tests own the
 * clock (a manual timer) while production uses a scheduled executor.
 */
@FunctionalInterface
public interface DrainTimer {

    /** Runs {@code task} after {@code delayNanos} (at once when not positive). */
    Cancellable schedule(long delayNanos, Runnable task);

    /** Cancels a scheduled task; a no-op once it ran. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** A timer on one daemon platform thread; close it with {@link #shutdown(DrainTimer)}. */
    static DrainTimer newTimer(String threadName) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name(threadName).factory());
        return new ExecutorTimer(executor);
    }

    /** Stops a timer made by {@link #newTimer}; other timers are left alone. */
    static void shutdown(DrainTimer timer) {
        if (timer instanceof ExecutorTimer t) {
            t.executor.shutdownNow();
        }
    }

    /** The production timer. */
    record ExecutorTimer(ScheduledExecutorService executor) implements DrainTimer {
        @Override
        public Cancellable schedule(long delayNanos, Runnable task) {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
