package dev.holdline.lifecycle;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the worker's lifecycle state. Transitions only move forward; a transition that is not
 * allowed from the current state is refused (returns false), never thrown, so that racing
 * triggers (a second SIGTERM, a drain from code) are harmless. Listeners run on the thread that
 * made the transition, after the state has changed, and hear transitions in the order they
 * happened (a transition on another thread waits until the listeners of the previous one have
 * returned), so keep them short.
 */
public final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** Told of every state change. */
    @FunctionalInterface
    public interface Listener {
        void onTransition(LifecycleState from, LifecycleState to, String reason);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Held from a state change through its listeners: without it, DRAINING's listeners could run after STOPPED's. */
    private final Object inOrder = new Object();
    private LifecycleState state = LifecycleState.STARTING;

    public synchronized LifecycleState state() {
        return state;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** STARTING → READY. */
    public boolean ready() {
        return moveTo(LifecycleState.READY, "registered", LifecycleState.STARTING);
    }

    /** STARTING or READY → DRAINING. Returns false when already draining or stopped. */
    public boolean drain(String reason) {
        return moveTo(LifecycleState.DRAINING, reason, LifecycleState.STARTING, LifecycleState.READY);
    }

    /** Any state but STOPPED → STOPPED. */
    public boolean stop(String reason) {
        return moveTo(LifecycleState.STOPPED, reason,
                LifecycleState.STARTING, LifecycleState.READY, LifecycleState.DRAINING);
    }

    private boolean moveTo(LifecycleState to, String reason, LifecycleState... allowedFrom) {
        synchronized (inOrder) {
            LifecycleState from;
            synchronized (this) {
                from = state;
                if (!List.of(allowedFrom).contains(from)) {
                    return false;
                }
                state = to;
            }
            log.info("Lifecycle {} -> {} ({})", from, to, reason);
            for (Listener l : listeners) {
                try {
                    l.onTransition(from, to, reason);
                } catch (RuntimeException e) {
                    log.error("A lifecycle listener failed on {} -> {}", from, to, e);
                }
            }
            return true;
        }
    }
}
