package dev.holdline.worker.dispatch;

import dev.holdline.scheduler.RejectReason;

/** How an offer was answered: accepted, or why not. */
public enum OfferOutcome {
    ACCEPTED,
    /** {@link RejectReason#DRAINING}. */
    DRAINING,
    /** {@link RejectReason#NOT_ACCEPTING}. */
    NOT_ACCEPTING,
    /** {@link RejectReason#LOAD_THRESHOLD}. */
    LOAD_THRESHOLD,
    /** {@link RejectReason#NO_SLOT}. */
    NO_SLOT,
    /** {@link RejectReason#DUPLICATE_JOB}. */
    DUPLICATE_JOB,
    /** The developer's {@code onRequest} declined, failed or ran out of time. */
    HANDLER_DECLINED,
    /** The offer was for another agent name than this worker's. */
    WRONG_AGENT;

    static OfferOutcome of(RejectReason reason) {
        return switch (reason) {
            case DRAINING -> DRAINING;
            case NOT_ACCEPTING -> NOT_ACCEPTING;
            case LOAD_THRESHOLD -> LOAD_THRESHOLD;
            case NO_SLOT -> NO_SLOT;
            case DUPLICATE_JOB -> DUPLICATE_JOB;
            case HANDLER_DECLINED -> HANDLER_DECLINED;
        };
    }
}
