package dev.holdline.scheduler;

/** Why a slot was given back. */
public enum ReleaseReason {
    /** The session ran and ended (any outcome). */
    SESSION_ENDED,
    /** We accepted the offer but the server never sent the assignment in time. */
    ASSIGNMENT_TIMEOUT,
    /** The developer's request handler declined the job after the scheduler had room for it. */
    OFFER_DECLINED,
    /** The assignment came but the session could not be started. */
    START_FAILED
}
