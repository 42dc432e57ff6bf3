package dev.holdline.devserver.rtc;

import dev.holdline.devserver.auth.AuthException;
import dev.holdline.devserver.auth.BearerTokens;
import dev.holdline.devserver.auth.TokenVerifier;
import dev.holdline.devserver.auth.VerifiedToken;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.Fields;

/**
 * Checks a room join the way LiveKit's RTC service does before upgrading: a valid token (header or
 * {@code access_token}), {@code video.roomJoin}, a room in {@code video.room}, an identity. Shared by
 * the {@code /rtc} upgrade and {@code GET /rtc/validate}, so both give the same answer.
 */
final class JoinAuthorizer {
    private static final int MAX_IDENTITY_LENGTH = 256;

    private final TokenVerifier verifier;

    JoinAuthorizer(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    JoinRequest authorize(String authorizationHeader, Fields query, String remote) throws JoinRefusedException {
        VerifiedToken token;
        try {
            token = verifier.verify(BearerTokens.extract(authorizationHeader, query.getValue("access_token")));
        } catch (AuthException e) {
            throw new JoinRefusedException(HttpStatus.UNAUTHORIZED_401, e.getMessage());
        }
        if (!token.video().roomJoin()) {
            throw new JoinRefusedException(HttpStatus.UNAUTHORIZED_401,
                    "missing roomJoin grant: the token's video.roomJoin must be true to join a room");
        }
        String room = token.video().room();
        if (room.isEmpty()) {
            throw new JoinRefusedException(HttpStatus.UNAUTHORIZED_401,
                    "token has no room: video.room must name the room to join");
        }
        if (token.identity().isEmpty()) {
            throw new JoinRefusedException(HttpStatus.BAD_REQUEST_400,
                    "token has no identity: the sub claim must name the participant");
        }
        if (token.identity().length() > MAX_IDENTITY_LENGTH) {
            throw new JoinRefusedException(HttpStatus.BAD_REQUEST_400,
                    "participant identity is longer than " + MAX_IDENTITY_LENGTH + " characters");
        }
        if (isTrue(query.getValue("reconnect"))) {
            // Resuming needs the server to keep a session across signal connections; clients fall
            // back to a full rejoin when a resume is refused.
            throw new JoinRefusedException(HttpStatus.NOT_FOUND_404,
                    "resuming a session (reconnect=1) is not supported by the Holdline dev server;"
                            + " join again without reconnect");
        }
        return new JoinRequest(
                room,
                token.identity(),
                token.participant(),
                !"0".equals(query.getValue("auto_subscribe")) && !"false".equals(query.getValue("auto_subscribe")),
                parseInt(query.getValue("protocol")),
                clip(query.getValue("sdk")),
                remote);
    }

    private static boolean isTrue(String value) {
        return "1".equals(value) || "true".equalsIgnoreCase(value);
    }

    private static int parseInt(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Client-chosen text going into logs: short and free of control characters. */
    private static String clip(String value) {
        if (value == null) {
            return "";
        }
        String clipped = value.length() > 32 ? value.substring(0, 32) : value;
        return clipped.replaceAll("\\p{Cntrl}", "?");
    }
}
