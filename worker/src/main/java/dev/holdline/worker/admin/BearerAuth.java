package dev.holdline.worker.admin;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code authorization: Bearer <token>} on every call but the health service's (load
 * balancers' gRPC health checks cannot send headers, and health tells no more than {@code GET /}).
 * A missing or wrong token gets {@code UNAUTHENTICATED}. Tokens are compared as SHA-256 digests in
 * constant time, and never logged.
 */
final class BearerAuth implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(BearerAuth.class);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String SCHEME = "Bearer ";

    private final byte[] expectedDigest;

    BearerAuth(String token) {
        this.expectedDigest = sha256(token);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String value = headers.get(AUTHORIZATION);
        boolean bearer = value != null && value.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
        if (bearer && MessageDigest.isEqual(expectedDigest, sha256(value.substring(SCHEME.length()).strip()))) {
            return next.startCall(call, headers);
        }
        log.warn("Refused admin call {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                value == null ? "no authorization header" : bearer ? "wrong bearer token" : "not a bearer token");
        call.close(Status.UNAUTHENTICATED.withDescription(
                "this admin API requires 'authorization: Bearer <token>' (the worker's " + AdminOptions.TOKEN_ENV + ")"),
                new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
