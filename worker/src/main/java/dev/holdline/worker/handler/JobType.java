package dev.holdline.worker.handler;

/** Which kind of job a worker registers for (LiveKit's {@code JobType}). */
public enum JobType {
    /** One agent per room (the usual voice agent). */
    ROOM,
    /** One agent per publishing participant. */
    PUBLISHER,
    /** One agent per participant. */
    PARTICIPANT
}
