package dev.holdline.devserver.twirp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.holdline.devserver.agent.DispatchService;
import dev.holdline.devserver.auth.AuthException;
import dev.holdline.devserver.auth.BearerTokens;
import dev.holdline.devserver.auth.TokenVerifier;
import dev.holdline.devserver.auth.VerifiedToken;
import dev.holdline.devserver.room.RoomRegistry;
import dev.holdline.devserver.rtc.RtcService;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code /twirp/...}: routes to a {@link TwirpMethod}, authenticates the bearer token,
 * decodes the body in the request's encoding, and answers in the same encoding, or with a Twirp
 * JSON error. Requests outside {@code /twirp/} are left to other handlers.
 */
public final class TwirpHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(TwirpHandler.class);
    private static final String PREFIX = "/twirp/";
    /** Server API requests are small; this only stops a runaway client. */
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private final TokenVerifier verifier;
    private final Map<String, TwirpMethod<?>> methodsByPath = new HashMap<>();

    public TwirpHandler(TokenVerifier verifier, RoomRegistry rooms, DispatchService dispatches, RtcService rtc) {
        this.verifier = verifier;
        for (List<TwirpMethod<?>> methods : List.of(AgentDispatchMethods.of(dispatches), RoomMethods.of(rooms, dispatches),
                ParticipantMethods.of(rtc))) {
            for (TwirpMethod<?> method : methods) {
                methodsByPath.put(method.path(), method);
            }
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        try {
            TwirpMethod<?> method = methodsByPath.get(path);
            if (!HttpMethod.POST.is(request.getMethod())) {
                throw TwirpException.badRoute("unsupported method " + request.getMethod() + " for " + path
                        + " (only POST is allowed)");
            }
            if (method == null) {
                throw TwirpException.badRoute("no such method: " + path);
            }
            String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            Encoding encoding = Encoding.forContentType(contentType);
            if (encoding == null) {
                throw TwirpException.badRoute("unexpected Content-Type: '" + contentType
                        + "' (use application/protobuf or application/json)");
            }
            VerifiedToken caller = authenticate(request, path);
            // Serving never blocks (the dispatcher does the work), so it may run on the I/O thread.
            Content.Source.asByteArrayAsync(request, MAX_BODY_BYTES, Promise.Invocable.from(
                    InvocationType.NON_BLOCKING,
                    body -> serve(method, encoding, caller, body, response, callback),
                    failure -> writeError(response, callback, new TwirpException(TwirpCode.MALFORMED,
                            "could not read the request body: " + failure.getMessage()))));
        } catch (TwirpException e) {
            writeError(response, callback, e);
        }
        return true;
    }

    private VerifiedToken authenticate(Request request, String path) throws TwirpException {
        try {
            String token = BearerTokens.extract(
                    request.getHeaders().get(HttpHeader.AUTHORIZATION),
                    Request.extractQueryParameters(request).getValue("access_token"));
            return verifier.verify(token);
        } catch (AuthException e) {
            log.warn("rejected {} from {}: {}", path, Request.getRemoteAddr(request), e.getMessage());
            throw new TwirpException(TwirpCode.UNAUTHENTICATED, e.getMessage());
        }
    }

    private void serve(TwirpMethod<?> method, Encoding encoding, VerifiedToken caller, byte[] body,
            Response response, Callback callback) {
        Message result;
        try {
            Message decoded;
            try {
                decoded = encoding.decode(method.requestPrototype(), body);
            } catch (InvalidProtocolBufferException e) {
                throw new TwirpException(TwirpCode.MALFORMED, "the request body is not a valid "
                        + method.requestPrototype().getDescriptorForType().getFullName() + " in "
                        + encoding.contentType() + ": " + e.getMessage());
            }
            try {
                result = method.invoke(caller, decoded);
            } catch (IllegalArgumentException e) {
                throw TwirpException.invalidArgument(e.getMessage());
            }
        } catch (TwirpException e) {
            if (e.code() == TwirpCode.PERMISSION_DENIED) {
                log.warn("denied {} to API key '{}': {}", method.path(), caller.apiKey(), e.getMessage());
            }
            writeError(response, callback, e);
            return;
        } catch (RuntimeException e) {
            log.error("{} failed", method.path(), e);
            writeError(response, callback, new TwirpException(TwirpCode.INTERNAL, "internal error: " + e));
            return;
        }
        try {
            byte[] encoded = encoding.encode(result);
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, encoding.contentType());
            response.write(true, ByteBuffer.wrap(encoded), callback);
        } catch (InvalidProtocolBufferException e) {
            writeError(response, callback, new TwirpException(TwirpCode.INTERNAL, "could not encode the response"));
        }
    }

    private static void writeError(Response response, Callback callback, TwirpException error) {
        log.debug("twirp error {}: {}", error.code().code(), error.getMessage());
        String json = "{\"code\":\"" + error.code().code() + "\",\"msg\":\"" + jsonEscape(error.getMessage()) + "\"}";
        response.setStatus(error.code().httpStatus());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), callback);
    }

    static String jsonEscape(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> escaped.append("\\\"");
                case '\\' -> escaped.append("\\\\");
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                default -> {
                    if (c < 0x20) {
                        escaped.append(String.format("\\u%04x", (int) c));
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }
}
