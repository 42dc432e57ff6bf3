package dev.holdline.scheduler;

import java.util.Optional;

/**
 * Capacity as permits: a permit is reserved when an offer is accepted, marked used when its
 * session starts, and released with a reason when the session ends or never arrives.
 * Policy varies here (fixed size now; per call profile later), so it is an interface.
 */
public interface SlotSupplier {

    /** Reserves a slot for {@code jobId}, or returns empty when none is free. Never blocks. */
    Optional<SlotPermit> tryReserve(String jobId);

    /** The reserved job's session has started. */
    void markUsed(SlotPermit permit);

    /** Gives the slot back; releasing the same permit twice is a no-op. */
    void release(SlotPermit permit, ReleaseReason reason);

    /** Slots in total. */
    int maxSlots();

    /** Slots reserved or in use right now. */
    int usedSlots();
}
