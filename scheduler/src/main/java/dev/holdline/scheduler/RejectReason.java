package dev.holdline.scheduler;

/** Why an offer was answered {@code available=false}. */
public enum RejectReason {
    /** The worker is draining (SIGTERM, deploy, scale-in) and takes nothing new. */
    DRAINING,
    /** The worker is not ready yet, or has stopped. */
    NOT_ACCEPTING,
    /** Load is at or above the configured threshold. */
    LOAD_THRESHOLD,
    /** Every session slot is reserved or in use. */
    NO_SLOT,
    /** The same job is already reserved or running here. */
    DUPLICATE_JOB,
    /** The developer's request handler declined, failed or took too long. */
    HANDLER_DECLINED
}
