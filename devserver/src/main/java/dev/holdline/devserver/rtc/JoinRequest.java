package dev.holdline.devserver.rtc;

import dev.holdline.devserver.auth.ParticipantClaims;

/**
 * An authorized request to join a room over {@code /rtc}: who (from the token) and how (from the
 * query string of the legacy path).
 *
 * @param room the room named by the token's {@code video.room}
 * @param identity the token's subject
 * @param claims name, metadata, attributes, kind and publish/subscribe grants from the token
 * @param autoSubscribe {@code auto_subscribe} (default true): subscribe to every track in the room
 * @param protocol the client's signal protocol version ({@code protocol}), 0 if not given
 * @param sdk the client's {@code sdk} parameter, for logs
 * @param remote the peer address, for logs
 */
record JoinRequest(
        String room,
        String identity,
        ParticipantClaims claims,
        boolean autoSubscribe,
        int protocol,
        String sdk,
        String remote) {}
