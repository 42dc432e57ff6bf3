package dev.holdline.devserver.rtc;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The plain-HTTP part of {@code /rtc}: {@code GET /rtc/validate} answers 200 {@code success} when a
 * join with these credentials would be accepted, else the status and reason the upgrade would get
 * (clients call it after a failed upgrade to show the cause). A non-upgrade request to {@code /rtc}
 * gets 404, as in LiveKit. Everything else goes to the wrapped handler.
 */
public final class RtcHttpHandler extends Handler.Wrapper {
    private final RtcService service;

    public RtcHttpHandler(RtcService service, Handler next) {
        super(next);
        this.service = service;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        switch (path) {
            case "/rtc/validate", "/rtc/v1/validate" -> validate(request, response, callback);
            case "/rtc" -> RtcEndpoint.respond(response, callback, HttpStatus.NOT_FOUND_404,
                    "/rtc is a WebSocket endpoint: connect with a WebSocket upgrade");
            case "/rtc/v1" -> RtcEndpoint.respond(response, callback, HttpStatus.NOT_FOUND_404,
                    RtcEndpoint.V1_NOT_SUPPORTED);
            default -> {
                return super.handle(request, response, callback);
            }
        }
        return true;
    }

    private void validate(Request request, Response response, Callback callback) {
        if (!HttpMethod.GET.is(request.getMethod())) {
            RtcEndpoint.respond(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "use GET");
            return;
        }
        String remote = Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
        try {
            service.authorizer().authorize(request.getHeaders().get(HttpHeader.AUTHORIZATION),
                    Request.extractQueryParameters(request), remote);
            RtcEndpoint.respond(response, callback, HttpStatus.OK_200, "success");
        } catch (JoinRefusedException e) {
            service.refused(remote, e);
            RtcEndpoint.respond(response, callback, e.status(), e.getMessage());
        }
    }
}
