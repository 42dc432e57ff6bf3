/**
 * Rooms over LiveKit's {@code /rtc} signaling (legacy path, protocol as spoken by LiveKit's client
 * SDKs): token checks and {@code /rtc/validate}, the signal connection, and server-side WebRTC
 * through webrtc-java that relays each published audio track to the room's other participants
 * (decode, then re-encode per subscriber) and relays data packets.
 *
 * <p>Wire flow per participant: JoinResponse (subscriber primary) → the server offers the
 * subscriber connection (data channels {@code _reliable}/{@code _lossy}, later one audio sender
 * per forwarded track, stream id {@code <participant sid>|<track sid>}) and the client answers;
 * the client offers its publisher connection after {@code add_track}/{@code track_published} and
 * the server answers; trickle ICE both ways with the connection's target. {@code /rtc/v1}
 * (single peer connection) is refused with 404, on which clients fall back to {@code /rtc}.
 *
 * <p>Threads: one executor thread per participant for its signal requests and all its webrtc
 * calls ({@link dev.holdline.devserver.rtc.Participant}), one pacer thread for every audio push
 * ({@link dev.holdline.devserver.rtc.AudioPacer}), one timer thread; native callbacks only post.
 */
package dev.holdline.devserver.rtc;
