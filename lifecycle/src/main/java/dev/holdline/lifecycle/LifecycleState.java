package dev.holdline.lifecycle;

/** The life of a worker process, in the only order it may go: STARTING → READY → DRAINING → STOPPED. */
public enum LifecycleState {
    /** Connecting and registering; no offers taken yet. */
    STARTING,
    /** Registered at least once and taking offers. */
    READY,
    /** Takes nothing new; running sessions finish. */
    DRAINING,
    /** Every session has ended and the worker has shut down. */
    STOPPED
}
