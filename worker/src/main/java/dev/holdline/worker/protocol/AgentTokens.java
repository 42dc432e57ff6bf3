package dev.holdline.worker.protocol;

import io.livekit.server.AccessToken;
import io.livekit.server.Agent;
import java.util.concurrent.TimeUnit;

/** The token a worker presents on {@code /agent}. */
public final class AgentTokens {
    private AgentTokens() {
    }

    /** HS256 with the API secret, issuer = API key, the agent grant only (no room, no identity), valid 10 min. */
    public static String mint(String apiKey, String apiSecret) {
        AccessToken token = new AccessToken(apiKey, apiSecret);
        token.setTtl(TimeUnit.MINUTES.toMillis(10));
        token.addGrants(new Agent(true));
        return token.toJwt();
    }
}
