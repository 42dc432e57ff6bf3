package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.testing.AgentTestSupport;
import dev.holdline.devserver.testing.RawHttp;
import dev.holdline.devserver.testing.TestWorker;
import dev.holdline.devserver.testing.Tokens;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentAuthTest extends AgentTestSupport {

    private RawHttp.Response upgradeWith(Map<String, String> headers) throws Exception {
        return RawHttp.upgrade(server.port(), "/agent", headers);
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static void assertRejected(RawHttp.Response response, String expectedReason) {
        assertEquals(401, response.status(), response.body());
        assertTrue(response.body().contains(expectedReason), () -> "body was: " + response.body());
        assertFalse(response.body().contains(SECRET), "the body must never contain the server's secret");
    }

    @Test
    void anUpgradeWithoutATokenIsRejectedWith401() throws Exception {
        assertRejected(upgradeWith(Map.of()), "missing access token");
    }

    @Test
    void aTokenSignedWithTheWrongSecretIsRejected() throws Exception {
        String wrongSecret = "not-the-secret-987";
        RawHttp.Response response = upgradeWith(bearer(Tokens.worker(KEY, wrongSecret)));
        assertRejected(response, "invalid signature");
        assertFalse(response.body().contains(wrongSecret));
    }

    @Test
    void aTokenFromAnUnknownApiKeyIsRejectedNamingTheKey() throws Exception {
        assertRejected(upgradeWith(bearer(Tokens.worker("stranger", SECRET))), "unknown API key 'stranger'");
    }

    @Test
    void aTokenWithoutTheAgentGrantIsRejected() throws Exception {
        String token = Tokens.custom(KEY, SECRET, Map.of("roomJoin", true, "room", "r"), Duration.ofMinutes(5));
        assertRejected(upgradeWith(bearer(token)), "missing agent grant");
    }

    @Test
    void anExpiredTokenIsRejected() throws Exception {
        assertRejected(upgradeWith(bearer(Tokens.expiredWorker(KEY, SECRET))), "expired");
    }

    @Test
    void aNonBearerAuthorizationHeaderIsRejected() throws Exception {
        assertRejected(upgradeWith(Map.of("Authorization", "Basic ZGV2a2V5OnNlY3JldA==")), "Bearer");
    }

    @Test
    void aRejectionIsRecordedAsAnEventWithTheReason() throws Exception {
        upgradeWith(bearer(Tokens.worker(KEY, "wrong")));
        AgentEvent.AuthRejected rejected = awaitEvent(AgentEvent.AuthRejected.class, e -> true);
        assertTrue(rejected.reason().contains("invalid signature"));
        assertTrue(rejected.remote().startsWith("127.0.0.1:"));
    }

    @Test
    void theJdkClientSeesTheRefusalAs401() {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> TestWorker.connect(server.wsUrl(), Tokens.worker(KEY, "wrong")));
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class,
                failure.getCause().getCause());
        assertEquals(401, handshake.getResponse().statusCode());
    }

    @Test
    void theTokenMayComeAsAnAccessTokenQueryParameter() {
        URI uri = URI.create(server.wsUrl() + "/agent?access_token=" + Tokens.worker(KEY, SECRET));
        TestWorker worker = track(TestWorker.connect(uri, null));
        assertTrue(worker.register("query-agent").startsWith("AW_"));
    }

    @Test
    void anyConfiguredKeyPairIsAccepted() {
        server.close();
        server = DevServer.builder().port(0).key("first", "s1").key("second", "s2").build().start();
        TestWorker worker = track(TestWorker.connect(server.wsUrl(), Tokens.worker("second", "s2")));
        assertTrue(worker.register("a").startsWith("AW_"));
    }
}
