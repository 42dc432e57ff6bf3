package dev.holdline.devserver.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Mints the room token an agent receives in its {@code JobAssignment}, signed with the server's
 * primary key pair, in the claim layout LiveKit clients expect ({@code sub} = identity,
 * {@code video} grants, {@code kind}, {@code name}, {@code metadata}, {@code attributes}).
 */
public final class TokenMinter {
    /** Long enough for a long call to rejoin the room with the same token. */
    public static final Duration AGENT_TOKEN_TTL = Duration.ofHours(6);

    private final String apiKey;
    private final Algorithm algorithm;
    private final Clock clock;

    public TokenMinter(ApiKeys keys, Clock clock) {
        this.apiKey = keys.primaryKey();
        this.algorithm = Algorithm.HMAC256(keys.primarySecret());
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What goes into a room token; empty strings and maps are left out of the JWT. */
    public record AgentJoin(
            String room, String identity, String name, String metadata, Map<String, String> attributes) {
        public AgentJoin {
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(identity, "identity");
            name = name == null ? "" : name;
            metadata = metadata == null ? "" : metadata;
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }
    }

    public String mintAgentToken(AgentJoin join) {
        return mint(join, true, AGENT_TOKEN_TTL);
    }

    /**
     * A room token for an ordinary (non-agent) participant: roomJoin for {@code join.room()}, publish,
     * subscribe and data allowed, valid for {@code ttl}.
     */
    public String mintParticipantToken(AgentJoin join, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        return mint(join, false, ttl);
    }

    private String mint(AgentJoin join, boolean agent, Duration ttl) {
        Instant now = clock.instant();
        Map<String, Object> video = new LinkedHashMap<>();
        video.put("roomJoin", true);
        video.put("room", join.room());
        video.put("canPublish", true);
        video.put("canSubscribe", true);
        video.put("canPublishData", true);
        if (agent) {
            video.put("agent", true);
        }

        JWTCreator.Builder jwt = JWT.create()
                .withIssuer(apiKey)
                .withSubject(join.identity())
                .withNotBefore(now)
                .withExpiresAt(now.plus(ttl))
                .withClaim("kind", agent ? "agent" : "standard")
                .withClaim("video", video);
        if (!join.name().isEmpty()) {
            jwt.withClaim("name", join.name());
        }
        if (!join.metadata().isEmpty()) {
            jwt.withClaim("metadata", join.metadata());
        }
        if (!join.attributes().isEmpty()) {
            jwt.withClaim("attributes", Map.<String, Object>copyOf(join.attributes()));
        }
        return jwt.sign(algorithm);
    }
}
