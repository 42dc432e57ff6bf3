package dev.holdline.worker.room;

/** What the session runtime needs of a room beyond the handler's {@link Room}. */
public interface SessionRoom extends Room {

    /** How the room ended for good, unless the agent left it itself. */
    interface EndedListener {
        /** @param lost true when the connection was lost (not closed by the server on purpose) */
        void ended(boolean lost, String reason);
    }

    /** Runs {@code r} once, on a media thread, when the first frame of remote audio arrives. */
    void onFirstAudio(Runnable r);

    /** Ends every inbound audio stream (reads return null); the output keeps playing. */
    void endStreams();

    /** Leaves the room and frees every native object; waits for that. Safe to call more than once. */
    void close(String reason);
}
