package dev.holdline.devserver.twirp;

import dev.holdline.devserver.auth.VerifiedToken;

/** LiveKit's grant checks for the server API, with messages that say which grant is missing. */
final class Permissions {
    private Permissions() {}

    /**
     * {@code roomAdmin} for exactly this room, as LiveKit requires: a token with roomAdmin but
     * another (or no) room is refused.
     */
    static void requireRoomAdmin(VerifiedToken caller, String room) throws TwirpException {
        if (!caller.video().roomAdmin() || !caller.video().room().equals(room)) {
            throw TwirpException.permissionDenied("requires the roomAdmin grant for room '" + room
                    + "' (token has roomAdmin=" + caller.video().roomAdmin()
                    + ", room='" + caller.video().room() + "')");
        }
    }

    static void requireRoomCreate(VerifiedToken caller) throws TwirpException {
        if (!caller.video().roomCreate()) {
            throw TwirpException.permissionDenied("requires the roomCreate grant");
        }
    }

    static void requireRoomList(VerifiedToken caller) throws TwirpException {
        if (!caller.video().roomList()) {
            throw TwirpException.permissionDenied("requires the roomList grant");
        }
    }

    static void requireNonEmpty(String value, String field) throws TwirpException {
        if (value.isEmpty()) {
            throw TwirpException.invalidArgument(field + " is required");
        }
    }
}
