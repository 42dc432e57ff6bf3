package dev.holdline.worker.room;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The room a session joined ({@code session.connect()}): its participants, their audio, the
 * agent's own audio output and data messages. Safe to use from any thread. The room ends with
 * the session; {@link #disconnect()} leaves earlier.
 */
public interface Room {
    /** The room's name. */
    String name();

    /** The identity this agent joined with. */
    String localIdentity();

    /** The other participants in the room now. */
    List<Participant> participants();

    /**
     * Waits for a caller (a {@link Participant#isCaller() standard or SIP participant}) and
     * returns the first one, or empty on timeout or when the room ends first.
     */
    Optional<Participant> waitForParticipant(Duration timeout) throws InterruptedException;

    /**
     * A stream of {@code participant}'s audio at {@code sampleRate} (48000, 24000 or 16000 Hz).
     * Frames start once their microphone track is subscribed; the stream ends when they leave or
     * the room ends. Open as many as you like; close the ones you no longer read.
     */
    AudioStream audioStream(Participant participant, int sampleRate);

    /** The agent's voice: what is written here is published to the room as a microphone track. */
    AudioOutput audioOutput();

    /**
     * Sends a data message to everyone in the room, or only to {@code destinationIdentities}.
     *
     * @param reliable ordered and retransmitted (chat, events) or lossy (frequent updates)
     */
    void sendData(byte[] payload, String topic, boolean reliable, String... destinationIdentities) throws RoomException;

    void addListener(RoomListener listener);

    void removeListener(RoomListener listener);

    /** True while connected (also while re-establishing a lost signal connection). */
    boolean isConnected();

    /** Leaves the room. The session keeps running until its handler returns. */
    void disconnect();
}
