package dev.holdline.lifecycle.aws;

import dev.holdline.lifecycle.DrainTimer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DrainTimer} for one watcher: tasks scheduled after {@link #close()} never run, pending
 * ones are cancelled, and a task that throws is logged instead of silently ending the watcher's
 * chain of polls. Either wraps a timer the caller owns (tests drive a manual one) or owns a single
 * daemon thread, which {@link #close()} stops.
 */
final class TaskScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskScheduler.class);
    /** How long {@link #close()} waits for an owned thread to finish a call in progress. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);

    private final DrainTimer timer;
    private final ScheduledExecutorService owned;
    private volatile Thread ownedThread;
    private final Set<Entry> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private static final class Entry {
        volatile DrainTimer.Cancellable handle;
    }

    private TaskScheduler(DrainTimer timer, ScheduledExecutorService owned) {
        this.timer = timer;
        this.owned = owned;
    }

    /** Runs tasks on {@code timer}, which the caller owns and stops. */
    static TaskScheduler on(DrainTimer timer) {
        return new TaskScheduler(timer, null);
    }

    /** Runs tasks on a daemon thread of its own, named {@code threadName}. */
    static TaskScheduler ownThread(String threadName) {
        TaskScheduler[] self = new TaskScheduler[1];
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = Thread.ofPlatform().daemon().name(threadName).unstarted(r);
            self[0].ownedThread = t;
            return t;
        });
        self[0] = new TaskScheduler(new DrainTimer.ExecutorTimer(executor), executor);
        return self[0];
    }

    /** Runs {@code task} after {@code delay} unless closed by then. */
    void schedule(Duration delay, Runnable task) {
        if (closed) {
            return;
        }
        Entry entry = new Entry();
        pending.add(entry);
        DrainTimer.Cancellable handle = timer.schedule(Math.max(0, delay.toNanos()), () -> {
            pending.remove(entry);
            if (closed) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("A scheduled AWS lifecycle task failed", e);
            }
        });
        entry.handle = handle;
        if (closed) {
            handle.cancel();
        }
    }

    boolean closed() {
        return closed;
    }

    /** Cancels what is pending; stops an owned thread (waiting briefly unless called from it). */
    @Override
    public void close() {
        closed = true;
        for (Entry e : pending) {
            DrainTimer.Cancellable h = e.handle;
            if (h != null) {
                h.cancel();
            }
        }
        pending.clear();
        if (owned != null) {
            owned.shutdownNow();
            if (Thread.currentThread() != ownedThread) {
                try {
                    if (!owned.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        log.warn("A watcher thread did not stop within {} ms", STOP_WAIT.toMillis());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
