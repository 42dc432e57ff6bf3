package dev.holdline.devserver.rtc;

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
 * Decides whether an {@code /rtc} upgrade may proceed; refusals are answered before the upgrade
 * with a status and a plain-text reason, like LiveKit. Also mounted on {@code /rtc/v1} (LiveKit's
 * single-peer-connection signaling), which it refuses with 404: LiveKit clients then fall back to
 * the legacy path.
 */
final class RtcEndpoint implements WebSocketCreator {
    private static final Logger log = LoggerFactory.getLogger(RtcEndpoint.class);
    static final String V1_NOT_SUPPORTED = "single peer connection signaling (/rtc/v1) is not supported by the"
            + " Holdline dev server; use /rtc";

    private final RtcService service;
    private final boolean v1;

    RtcEndpoint(RtcService service, boolean v1) {
        this.service = service;
        this.v1 = v1;
    }

    @Override
    public Object createWebSocket(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String remote = Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
        if (v1) {
            log.debug("refused /rtc/v1 from {}: not supported (clients fall back to /rtc)", remote);
            respond(response, callback, HttpStatus.NOT_FOUND_404, V1_NOT_SUPPORTED);
            return null;
        }
        try {
            JoinRequest join = service.authorizer().authorize(
                    request.getHeaders().get(HttpHeader.AUTHORIZATION), Request.extractQueryParameters(request), remote);
            return new SignalConnection(service, join);
        } catch (JoinRefusedException e) {
            service.refused(remote, e);
            respond(response, callback, e.status(), e.getMessage());
            return null;
        }
    }

    static void respond(org.eclipse.jetty.server.Response response, Callback callback, int status, String message) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, message + "\n", callback);
    }
}
