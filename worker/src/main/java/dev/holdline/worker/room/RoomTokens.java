package dev.holdline.worker.room;

import com.auth0.jwt.JWT;
import com.auth0.jwt.exceptions.JWTDecodeException;
import java.util.Map;

/** What a room token says about itself, read before joining (the server checks the signature). */
public final class RoomTokens {
    private RoomTokens() {
    }

    /**
     * Refuses a token whose room grant ({@code video.room}) names another room than {@code room}:
     * joining with it would put the agent in a stranger's call, or leave it waiting in an empty
     * room. The error names both rooms and never the token.
     *
     * @throws RoomException when the token cannot be read or is for another room
     */
    public static void requireRoom(String token, String room) throws RoomException {
        Object granted;
        try {
            Map<String, Object> video = JWT.decode(token).getClaim("video").asMap();
            granted = video == null ? null : video.get("room");
        } catch (JWTDecodeException e) {
            throw new RoomException("the room token from the job assignment is not a readable JWT");
        }
        if (granted == null || String.valueOf(granted).isEmpty()) {
            throw new RoomException("the room token from the job assignment grants no room; the job is for room '"
                    + room + "'");
        }
        if (!granted.equals(room)) {
            throw new RoomException("the room token from the job assignment is for room '" + granted
                    + "', but the job is for room '" + room + "'; not joining");
        }
    }
}
