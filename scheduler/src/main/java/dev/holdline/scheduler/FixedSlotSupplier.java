package dev.holdline.scheduler;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed number of slots; lock-free so that offers are answered without waiting. */
public final class FixedSlotSupplier implements SlotSupplier {
    private final int maxSlots;
    private final AtomicInteger used = new AtomicInteger();

    public FixedSlotSupplier(int maxSlots) {
        if (maxSlots < 1) {
            throw new IllegalArgumentException("maxSlots must be >= 1, was " + maxSlots);
        }
        this.maxSlots = maxSlots;
    }

    @Override
    public Optional<SlotPermit> tryReserve(String jobId) {
        while (true) {
            int now = used.get();
            if (now >= maxSlots) {
                return Optional.empty();
            }
            if (used.compareAndSet(now, now + 1)) {
                return Optional.of(new SlotPermit(jobId, System.nanoTime()));
            }
        }
    }

    @Override
    public void markUsed(SlotPermit permit) {
        // A fixed pool counts reserved and used slots alike.
    }

    @Override
    public void release(SlotPermit permit, ReleaseReason reason) {
        if (permit.markReleased()) {
            used.decrementAndGet();
        }
    }

    @Override
    public int maxSlots() {
        return maxSlots;
    }

    @Override
    public int usedSlots() {
        return used.get();
    }
}
