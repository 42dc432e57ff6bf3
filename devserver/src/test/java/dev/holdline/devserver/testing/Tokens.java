package dev.holdline.devserver.testing;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.livekit.server.AccessToken;
import io.livekit.server.Agent;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Tokens for tests: valid ones minted by LiveKit's own SDK, broken ones by hand. */
public final class Tokens {
    private Tokens() {}

    /** A worker token exactly as LiveKit's Java SDK mints it. */
    public static String worker(String apiKey, String secret) {
        AccessToken token = new AccessToken(apiKey, secret);
        token.addGrants(new Agent(true));
        return token.toJwt();
    }

    /** An HS256 token with the given video grants and lifetime. */
    public static String custom(String apiKey, String secret, Map<String, ?> video, Duration validFor) {
        Instant now = Instant.now();
        return JWT.create()
                .withIssuer(apiKey)
                .withNotBefore(now.minusSeconds(60))
                .withExpiresAt(now.plus(validFor))
                .withClaim("video", Map.<String, Object>copyOf(video))
                .sign(Algorithm.HMAC256(secret));
    }

    public static String expiredWorker(String apiKey, String secret) {
        Instant now = Instant.now();
        return JWT.create()
                .withIssuer(apiKey)
                .withNotBefore(now.minusSeconds(7200))
                .withExpiresAt(now.minusSeconds(3600))
                .withClaim("video", Map.<String, Object>of("agent", true))
                .sign(Algorithm.HMAC256(secret));
    }
}
