package dev.holdline.devserver.rtc;

import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;

/**
 * Something that happened in a room, recorded in order for tests and diagnostics. Published after
 * the change it describes is visible in {@code rooms()}.
 */
public sealed interface RtcEvent {

    /** The participant got its JoinResponse and is listed in the room. */
    record ParticipantJoined(String room, String identity, String sid, ParticipantInfo.Kind kind) implements RtcEvent {}

    /**
     * The participant is gone from the room and the others were told (state DISCONNECTED).
     *
     * @param detail why, in words (client leave, socket closed, no signal for N s, room deleted, ...)
     */
    record ParticipantLeft(String room, String identity, String sid, DisconnectReason reason, String detail)
            implements RtcEvent {}

    /** A published track's media reached the server; subscribers are being added. */
    record TrackPublished(String room, String identity, String trackSid, String name) implements RtcEvent {}

    record TrackUnpublished(String room, String identity, String trackSid) implements RtcEvent {}

    /** The server added a track to a subscriber's peer connection. */
    record TrackSubscribed(String room, String subscriberIdentity, String trackSid) implements RtcEvent {}

    /** A join or validate request was refused before the upgrade, with the status and message sent. */
    record JoinRefused(String remote, int status, String reason) implements RtcEvent {}

    /**
     * A participant sent something the server could not use (an undecodable frame, an unknown
     * message, a malformed SDP); the description says what the server did about it.
     */
    record SignalError(String room, String identity, String description) implements RtcEvent {}
}
