package dev.holdline.worker.room;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoomTokensTest {
    private static String token(Map<String, Object> video) {
        return JWT.create().withIssuer("devkey").withClaim("video", video).sign(Algorithm.HMAC256("secret-0123456789"));
    }

    @Test
    void aTokenForTheJobsRoomPasses() {
        assertDoesNotThrow(() -> RoomTokens.requireRoom(token(Map.of("room", "call-1", "roomJoin", true)), "call-1"));
    }

    @Test
    void aTokenForAnotherRoomIsRefusedNamingBothRoomsButNotTheToken() {
        String jwt = token(Map.of("room", "call-2", "roomJoin", true));
        RoomException e = assertThrows(RoomException.class, () -> RoomTokens.requireRoom(jwt, "call-1"));
        assertTrue(e.getMessage().contains("'call-2'") && e.getMessage().contains("'call-1'"), e.getMessage());
        assertFalse(e.getMessage().contains(jwt));
    }

    @Test
    void aTokenWithoutARoomGrantOrNotAJwtIsRefused() {
        assertThrows(RoomException.class, () -> RoomTokens.requireRoom(token(Map.of("roomJoin", true)), "call-1"));
        RoomException e = assertThrows(RoomException.class, () -> RoomTokens.requireRoom("not.a-jwt", "call-1"));
        assertFalse(e.getMessage().contains("not.a-jwt"));
    }
}
