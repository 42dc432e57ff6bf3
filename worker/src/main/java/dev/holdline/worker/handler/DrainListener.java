package dev.holdline.worker.handler;

import java.time.Instant;

/**
 * Told when the worker drains (a deploy or scale-in). The session keeps running; by
 * {@code deadline} it must have ended, or the worker ends it. Callbacks run on their own virtual
 * thread, so they may block briefly (say goodbye, hand over) without holding up the worker.
 */
public interface DrainListener {

    /** The drain started; this session may run until {@code deadline}. */
    default void onDraining(Instant deadline) {
    }

    /** The profile's wrap-up notice before {@code deadline}: time to finish the call. */
    default void onWrapUp(Instant deadline) {
    }
}
