package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.holdline.devserver.rtc.RtcEvent;
import dev.holdline.devserver.testing.RawHttp;
import dev.holdline.devserver.testing.RtcTestSupport;
import dev.holdline.devserver.testing.Tokens;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may join a room: {@code GET /rtc/validate} and the {@code /rtc} upgrade give the same answer,
 * refusals come before the upgrade with a status and a plain reason, never the token or a secret.
 */
class RtcAuthTest extends RtcTestSupport {

    private record Answer(int status, String body) {}

    private Answer validate(String token) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl()
                            + "/rtc/validate?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                            + "&auto_subscribe=1&protocol=16")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        }
    }

    private Answer upgrade(String token) throws Exception {
        RawHttp.Response response = RawHttp.upgrade(server.port(), "/rtc?protocol=16",
                Map.of("Authorization", "Bearer " + token));
        return new Answer(response.status(), response.body());
    }

    /** Both ways of asking get the same refusal, which names the problem and leaks nothing. */
    private void assertRefused(String token, int status, String reason, String... secrets) throws Exception {
        for (Answer answer : new Answer[] {validate(token), upgrade(token)}) {
            assertEquals(status, answer.status(), answer.body());
            assertTrue(answer.body().contains(reason), () -> "body was: " + answer.body());
            assertFalse(answer.body().contains(token), "the body must never echo the token");
            assertFalse(answer.body().contains(SECRET), "the body must never contain the server's secret");
            for (String secret : secrets) {
                assertFalse(answer.body().contains(secret), "the body must never contain the signing secret");
            }
        }
    }

    private static String roomToken(String secret, Map<String, ?> video, Instant expires, String identity) {
        var jwt = JWT.create().withIssuer(KEY).withNotBefore(Instant.now().minusSeconds(60)).withExpiresAt(expires)
                .withClaim("video", Map.<String, Object>copyOf(video));
        if (identity != null) {
            jwt.withSubject(identity);
        }
        return jwt.sign(Algorithm.HMAC256(secret));
    }

    private static final Map<String, Object> JOIN_ROOM_1 = Map.of("roomJoin", true, "room", "room-1");

    @Test
    void aValidTokenValidatesAndJoins() throws Exception {
        String token = server.participantToken("room-1", "alice");
        Answer answer = validate(token);
        assertEquals(200, answer.status());
        assertEquals("success", answer.body().strip());
        assertEquals(101, upgrade(token).status());
    }

    @Test
    void aTokenSignedWithTheWrongSecretIsRefused() throws Exception {
        String wrong = "the-wrong-secret-4242";
        assertRefused(roomToken(wrong, JOIN_ROOM_1, Instant.now().plusSeconds(300), "alice"), 401,
                "invalid signature for API key 'devkey'", wrong);
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        assertRefused(roomToken(SECRET, JOIN_ROOM_1, Instant.now().minusSeconds(3600), "alice"), 401, "token expired");
    }

    @Test
    void aTokenWithoutRoomJoinIsRefused() throws Exception {
        assertRefused(roomToken(SECRET, Map.of("room", "room-1", "canPublish", true), Instant.now().plusSeconds(300),
                "alice"), 401, "missing roomJoin grant");
    }

    @Test
    void aTokenWithoutARoomIsRefused() throws Exception {
        assertRefused(roomToken(SECRET, Map.of("roomJoin", true), Instant.now().plusSeconds(300), "alice"), 401,
                "token has no room");
    }

    @Test
    void aTokenWithoutAnIdentityIsRefused() throws Exception {
        assertRefused(roomToken(SECRET, JOIN_ROOM_1, Instant.now().plusSeconds(300), null), 400,
                "token has no identity");
    }

    @Test
    void anAgentWorkerTokenCannotJoinARoom() throws Exception {
        assertRefused(Tokens.worker(KEY, SECRET), 401, "missing roomJoin grant");
    }

    @Test
    void noTokenAtAllIsRefused() throws Exception {
        RawHttp.Response response = RawHttp.upgrade(server.port(), "/rtc?protocol=16", Map.of());
        assertEquals(401, response.status());
        assertTrue(response.body().contains("missing access token"), response.body());
    }

    @Test
    void singlePeerConnectionSignalingIsRefusedWith404SoClientsFallBack() throws Exception {
        RawHttp.Response response = RawHttp.upgrade(server.port(), "/rtc/v1?join_request=AAAA",
                Map.of("Authorization", "Bearer " + server.participantToken("room-1", "alice")));
        assertEquals(404, response.status(), "LiveKit clients fall back to /rtc on exactly 404");
        assertTrue(response.body().contains("use /rtc"), response.body());
    }

    @Test
    void aResumeIsRefusedClearly() throws Exception {
        RawHttp.Response response = RawHttp.upgrade(server.port(), "/rtc?reconnect=1&sid=PA_x",
                Map.of("Authorization", "Bearer " + server.participantToken("room-1", "alice")));
        assertEquals(404, response.status());
        assertTrue(response.body().contains("reconnect=1"), response.body());
    }

    @Test
    void refusalsAreRecordedAsEventsWithTheReason() throws Exception {
        upgrade(roomToken("wrong-secret-1", JOIN_ROOM_1, Instant.now().plusSeconds(300), "alice"));
        RtcEvent.JoinRefused refused = awaitRtcEvent(RtcEvent.JoinRefused.class, e -> true);
        assertEquals(401, refused.status());
        assertTrue(refused.reason().contains("invalid signature"), refused.reason());
        assertTrue(refused.remote().startsWith("127.0.0.1:"), refused.remote());
    }

    @Test
    void aPlainGetOnRtcIsNotFound() throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "/rtc"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, response.statusCode());
            assertTrue(response.body().contains("WebSocket"), response.body());
        }
    }
}
