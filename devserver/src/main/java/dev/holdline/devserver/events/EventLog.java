package dev.holdline.devserver.events;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ordered record of events plus synchronous listeners; the agent side and the room side each
 * keep one.
 *
 * <p>Listeners run on the publishing thread, outside any lock of this log, so a listener may call
 * back into the server (read snapshots, create dispatches) without deadlocking. A listener that
 * blocks stalls whatever published the event, often the dispatcher thread: keep them quick
 * (count down a latch, add to a queue). Events from one thread are seen in order; the log's
 * order across threads is the order they were appended.
 */
public final class EventLog<E> {
    private static final Logger log = LoggerFactory.getLogger(EventLog.class);

    /** Bounds memory of a long-running dev server; far above what any test produces. */
    public static final int MAX_EVENTS = 100_000;

    private final Deque<E> events = new ArrayDeque<>();
    private final List<Consumer<E>> listeners = new CopyOnWriteArrayList<>();
    private boolean truncationLogged;

    public void publish(E event) {
        synchronized (events) {
            events.addLast(event);
            if (events.size() > MAX_EVENTS) {
                events.removeFirst();
                if (!truncationLogged) {
                    truncationLogged = true;
                    log.info("event log reached {} entries; dropping the oldest from now on", MAX_EVENTS);
                }
            }
        }
        for (Consumer<E> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                log.warn("event listener failed on {}", event, e);
            }
        }
    }

    public List<E> snapshot() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    public void addListener(Consumer<E> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<E> listener) {
        listeners.remove(listener);
    }
}
