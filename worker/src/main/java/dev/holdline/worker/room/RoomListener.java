package dev.holdline.worker.room;

/**
 * Room events. Called one at a time on the room's event thread: return quickly (hand long work
 * to another thread). A listener that throws is logged; the others still hear the event.
 */
public interface RoomListener {
    default void onParticipantJoined(Participant participant) {
    }

    default void onParticipantLeft(Participant participant) {
    }

    default void onData(DataMessage message) {
    }

    /** The room connection ended for good (the session is ending, or the server closed the room). */
    default void onDisconnected(String reason) {
    }
}
