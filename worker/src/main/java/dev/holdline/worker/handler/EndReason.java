package dev.holdline.worker.handler;

/** Why a session ended. */
public enum EndReason {
    /** The handler's {@code run} returned normally. */
    HANDLER_RETURNED,
    /** The handler's {@code run} threw. */
    HANDLER_FAILED,
    /** The server asked for the job to end ({@code JobTermination}, e.g. the dispatch was deleted). */
    JOB_TERMINATED,
    /** The worker is shutting down and ended the session. */
    WORKER_SHUTDOWN,
    /** The worker was draining and the session reached its profile's drain deadline. */
    DRAIN_DEADLINE,
    /** The last caller (standard or SIP participant) left the room. */
    CALLER_LEFT,
    /** The room connection ended: the server closed it (room deleted), or it was lost and could not be rejoined. */
    ROOM_CLOSED
}
