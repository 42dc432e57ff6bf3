package dev.holdline.devserver.agent;

import dev.holdline.devserver.auth.AuthException;
import dev.holdline.devserver.auth.BearerTokens;
import dev.holdline.devserver.auth.TokenVerifier;
import dev.holdline.devserver.auth.VerifiedToken;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether an {@code /agent} upgrade may proceed. The token must verify and carry
 * {@code video.agent}; otherwise the upgrade is refused with 401 and a plain-text body saying what
 * is wrong, so a developer with a misconfigured worker sees the cause in its error.
 */
final class AgentEndpoint implements WebSocketCreator {
    private static final Logger log = LoggerFactory.getLogger(AgentEndpoint.class);

    private final TokenVerifier verifier;
    private final AgentContext context;
    private final AtomicReference<byte[]> nextConnectionFrame = new AtomicReference<>();

    AgentEndpoint(TokenVerifier verifier, AgentContext context) {
        this.verifier = verifier;
        this.context = context;
    }

    /** Fault injection: the next accepted connection receives this frame before it can register. */
    void sendToNextConnection(byte[] frame) {
        nextConnectionFrame.set(frame.clone());
    }

    @Override
    public Object createWebSocket(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String remote = Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
        try {
            String token = BearerTokens.extract(
                    request.getHeaders().get(HttpHeader.AUTHORIZATION),
                    Request.extractQueryParameters(request).getValue("access_token"));
            VerifiedToken verified = verifier.verify(token);
            if (!verified.video().agent()) {
                throw new AuthException("missing agent grant: the token's video.agent must be true");
            }
        } catch (AuthException e) {
            reject(remote, e.getMessage(), response, callback);
            return null;
        }
        return new AgentConnection(context, remote, nextConnectionFrame.getAndSet(null));
    }

    private void reject(String remote, String reason, ServerUpgradeResponse response, Callback callback) {
        log.warn("rejected agent connection from {}: {}", remote, reason);
        context.events().publish(new AgentEvent.AuthRejected(remote, reason));
        response.setStatus(HttpStatus.UNAUTHORIZED_401);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, reason + "\n", callback);
    }
}
