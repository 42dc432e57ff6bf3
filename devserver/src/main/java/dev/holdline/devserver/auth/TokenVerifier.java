package dev.holdline.devserver.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies LiveKit access tokens: HS256, issuer = API key, signed with that key's secret, inside
 * its validity window. Every failure becomes an {@link AuthException} whose message names the
 * problem (unknown key, bad signature, expired, ...) and never includes a secret or the token.
 */
public final class TokenVerifier {
    /** Clock skew tolerated on {@code exp}/{@code nbf}, for tokens minted on another machine. */
    private static final long LEEWAY_SECONDS = 5;
    private static final int MAX_ECHOED_KEY_LENGTH = 64;

    private final ApiKeys keys;

    public TokenVerifier(ApiKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    public VerifiedToken verify(String token) throws AuthException {
        DecodedJWT unverified;
        try {
            unverified = JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw new AuthException("malformed token: not a JWT");
        }
        String apiKey = unverified.getIssuer();
        if (apiKey == null || apiKey.isEmpty()) {
            throw new AuthException("token has no issuer; it must be the API key");
        }
        String secret = keys.secretFor(apiKey)
                .orElseThrow(() -> new AuthException("unknown API key '" + printable(apiKey) + "'"));
        if (!"HS256".equals(unverified.getAlgorithm())) {
            throw new AuthException("token must be signed with HS256, not '"
                    + printable(String.valueOf(unverified.getAlgorithm())) + "'");
        }

        DecodedJWT verified;
        try {
            JWTVerifier verifier = JWT.require(Algorithm.HMAC256(secret))
                    .acceptLeeway(LEEWAY_SECONDS)
                    .build();
            verified = verifier.verify(unverified);
        } catch (SignatureVerificationException e) {
            throw new AuthException("invalid signature for API key '" + printable(apiKey) + "'");
        } catch (TokenExpiredException e) {
            throw new AuthException("token expired at " + e.getExpiredOn());
        } catch (IncorrectClaimException e) {
            throw new AuthException("token not acceptable: claim '" + e.getClaimName() + "' is not valid now");
        } catch (AlgorithmMismatchException e) {
            throw new AuthException("token must be signed with HS256");
        } catch (JWTVerificationException e) {
            throw new AuthException("invalid token: " + e.getClass().getSimpleName());
        }

        Map<String, Object> video = verified.getClaim("video").asMap();
        String identity = verified.getSubject() == null ? "" : verified.getSubject();
        ParticipantClaims participant = ParticipantClaims.from(
                verified.getClaim("name").as(Object.class),
                verified.getClaim("metadata").as(Object.class),
                mapOrNull(verified.getClaim("attributes")),
                verified.getClaim("kind").as(Object.class),
                video);
        return new VerifiedToken(apiKey, identity, VideoGrants.fromClaim(video), participant);
    }

    /** An object claim as a map; null when absent or not an object (then it is ignored, not an error). */
    private static Map<String, Object> mapOrNull(com.auth0.jwt.interfaces.Claim claim) {
        try {
            return claim.asMap();
        } catch (JWTDecodeException e) {
            return null;
        }
    }

    /** Keeps attacker-chosen text in a message short and free of control characters. */
    private static String printable(String text) {
        String clipped = text.length() > MAX_ECHOED_KEY_LENGTH
                ? text.substring(0, MAX_ECHOED_KEY_LENGTH) + "..."
                : text;
        return clipped.replaceAll("\\p{Cntrl}", "?");
    }
}
