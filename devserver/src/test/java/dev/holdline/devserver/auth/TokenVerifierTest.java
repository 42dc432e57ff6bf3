package dev.holdline.devserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.livekit.server.AccessToken;
import io.livekit.server.RoomAdmin;
import io.livekit.server.RoomName;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
    private static final String SECRET = "verifier-secret-xyz";
    private final TokenVerifier verifier = new TokenVerifier(ApiKeys.parse("key1:" + SECRET + ",key2:other"));

    private String rejection(String token) {
        String message = assertThrows(AuthException.class, () -> verifier.verify(token)).getMessage();
        assertFalse(message.contains(SECRET), message);
        assertFalse(message.contains(token), "the token is never echoed");
        return message;
    }

    @Test
    void aLiveKitSdkTokenVerifiesWithItsGrants() throws Exception {
        AccessToken sdk = new AccessToken("key1", SECRET);
        sdk.setIdentity("alice");
        sdk.addGrants(new RoomAdmin(true), new RoomName("r1"));
        VerifiedToken verified = verifier.verify(sdk.toJwt());
        assertEquals("key1", verified.apiKey());
        assertEquals("alice", verified.identity());
        assertTrue(verified.video().roomAdmin());
        assertEquals("r1", verified.video().room());
        assertFalse(verified.video().agent());
    }

    @Test
    void failuresSayWhatIsWrong() {
        assertEquals("malformed token: not a JWT", rejection("not-a-jwt"));
        assertEquals("unknown API key 'nope'", rejection(JWT.create().withIssuer("nope").sign(Algorithm.HMAC256(SECRET))));
        assertEquals("invalid signature for API key 'key1'",
                rejection(JWT.create().withIssuer("key1").sign(Algorithm.HMAC256("guess"))));
        assertTrue(rejection(JWT.create().withIssuer("key1").sign(Algorithm.HMAC512(SECRET))).contains("HS256"));
        assertEquals("token has no issuer; it must be the API key",
                rejection(JWT.create().sign(Algorithm.HMAC256(SECRET))));
        assertTrue(rejection(JWT.create().withIssuer("key1")
                .withExpiresAt(java.time.Instant.now().minusSeconds(60)).sign(Algorithm.HMAC256(SECRET)))
                .startsWith("token expired at"));
    }

    @Test
    void mintedAgentTokensVerifyWithTheAgentJoinGrants() throws Exception {
        TokenMinter minter = new TokenMinter(ApiKeys.parse("key1:" + SECRET), Clock.systemUTC());
        String token = minter.mintAgentToken(new TokenMinter.AgentJoin("r1", "agent-1", "", "", Map.of()));
        VerifiedToken verified = verifier.verify(token);
        assertEquals("agent-1", verified.identity());
        assertTrue(verified.video().roomJoin() && verified.video().agent() && verified.video().canPublish()
                && verified.video().canSubscribe() && verified.video().canPublishData());
        assertEquals("r1", verified.video().room());
        assertTrue(JWT.decode(token).getClaim("name").isMissing(), "empty name is left out");
    }

    @Test
    void apiKeysNeverPrintSecrets() {
        assertEquals("ApiKeys[key1, key2]", ApiKeys.parse("key1:" + SECRET + ",key2:other").toString());
    }
}
