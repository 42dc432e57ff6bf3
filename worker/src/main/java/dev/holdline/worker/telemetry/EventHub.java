package dev.holdline.worker.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans worker events out to watchers. Publishing and subscribing share one lock, so a new
 * watcher's snapshot and the events after it neither overlap nor leave a gap. Watchers must only
 * queue what they get: they run under that lock, on the worker's threads.
 */
public final class EventHub {
    private static final Logger log = LoggerFactory.getLogger(EventHub.class);

    /** A watcher. Both calls must return at once (queue, never block). */
    public interface Watcher {
        void onEvent(WorkerEvent event);

        /** The worker stopped: no more events. */
        void onClosed();
    }

    private final List<Watcher> watchers = new ArrayList<>();
    private boolean closed;

    /** Applies {@code change} (the state the snapshot reads) and publishes {@code event}, as one step. */
    public synchronized void publish(Runnable change, WorkerEvent event) {
        change.run();
        if (closed) {
            return;
        }
        for (Watcher w : List.copyOf(watchers)) {
            try {
                w.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("An event watcher failed; dropping it", e);
                watchers.remove(w);
            }
        }
    }

    public void publish(WorkerEvent event) {
        publish(() -> { }, event);
    }

    /**
     * Hands {@code watcher} the snapshot, then every later event. After {@link #close} the
     * watcher gets the snapshot and is closed at once.
     *
     * @return cancels the subscription
     */
    public synchronized Runnable subscribe(Watcher watcher, Supplier<WorkerEvent> snapshot) {
        watcher.onEvent(snapshot.get());
        if (closed) {
            watcher.onClosed();
            return () -> { };
        }
        watchers.add(watcher);
        return () -> unsubscribe(watcher);
    }

    private synchronized void unsubscribe(Watcher watcher) {
        watchers.remove(watcher);
    }

    public synchronized int watchers() {
        return watchers.size();
    }

    /** No more events: every watcher is closed. Idempotent. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Watcher w : watchers) {
            try {
                w.onClosed();
            } catch (RuntimeException e) {
                log.debug("An event watcher failed on close", e);
            }
        }
        watchers.clear();
    }
}
