package dev.holdline.lifecycle.awsfakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The ECS container agent's task scale-in protection endpoint on 127.0.0.1, shaped like the agent's
 * handler ({@code agent/handlers/agentapi/taskprotection/v1}):
 *
 * <ul>
 *   <li>{@link #uri()} is what ECS puts in {@code ECS_AGENT_URI}: {@code http://127.0.0.1:<port>/api/<endpoint-id>};
 *       the endpoint is {@code <uri>/task-protection/v1/state}; any other path answers 404.</li>
 *   <li>{@code PUT} with {@code {"ProtectionEnabled":true,"ExpiresInMinutes":N}} (N 1..2880, default 120;
 *       unknown fields, a missing {@code ProtectionEnabled}, or N out of range answer 400
 *       {@code InvalidParameterException}, as the agent and ECS do) →
 *       200 {@code {"protection":{"ExpirationDate":"2026-…Z","ProtectionEnabled":true,"TaskArn":"arn:…"}}};
 *       {@code ExpirationDate} is {@code null} when protection is off.</li>
 *   <li>{@code GET} → the same shape for the current state.</li>
 *   <li>Faults (each queued one answers one request and leaves the state alone):
 *       {@link #replyFailureNext} → 200 {@code {"failure":{"Arn":…,"Detail":null,"Reason":…}}};
 *       {@link #replyErrorNext} → {@code {"requestID":…,"error":{"Arn":…,"Code":…,"Message":…}}} with that
 *       status; {@link #delayNext} holds the next answer back (the request still takes effect afterwards,
 *       as a slow agent's would); {@link #failAll} answers 500 {@code ServerException} to everything.</li>
 * </ul>
 */
public final class FakeEcsAgentEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The agent's default when {@code ExpiresInMinutes} is left out. */
    public static final int DEFAULT_EXPIRES_IN_MINUTES = 120;

    private sealed interface Fault permits FailureReply, ErrorReply, Delay {
    }

    private record FailureReply(String reason) implements Fault {
    }

    private record ErrorReply(int status, String code, String message) implements Fault {
    }

    private record Delay(Duration delay) implements Fault {
    }

    private final Object lock = new Object();
    private final String endpointId = UUID.randomUUID().toString().replace("-", "").substring(0, 16) + "-3615245049";
    private final String taskArn = "arn:aws:ecs:us-east-1:111122223333:task/holdline/"
            + UUID.randomUUID().toString().replace("-", "");
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<String> requests = new ArrayList<>();
    private volatile boolean failAll;
    private boolean enabled;
    private Integer expiresInMinutes;
    private Instant expirationDate;
    private final FakeServers.Loopback server;

    private FakeEcsAgentEndpoint() {
        server = FakeServers.start("fake-ecs-agent", this::handle);
    }

    /** Starts the fake on a free loopback port. */
    public static FakeEcsAgentEndpoint start() {
        return new FakeEcsAgentEndpoint();
    }

    /** The value for {@code ECS_AGENT_URI}: {@code http://127.0.0.1:<port>/api/<endpoint-id>} (no trailing slash). */
    public URI uri() {
        return URI.create(server.uri() + "/api/" + endpointId);
    }

    /** The task's ARN, as the answers carry it. */
    public String taskArn() {
        return taskArn;
    }

    /** Whether the last accepted PUT turned protection on. */
    public boolean enabled() {
        synchronized (lock) {
            return enabled;
        }
    }

    /** {@code ExpiresInMinutes} of the last accepted PUT that turned protection on (120 when it was left out). */
    public Optional<Integer> expiresInMinutes() {
        synchronized (lock) {
            return Optional.ofNullable(expiresInMinutes);
        }
    }

    /** When protection expires, per the last accepted PUT; empty while off. */
    public Optional<Instant> expirationDate() {
        synchronized (lock) {
            return Optional.ofNullable(expirationDate);
        }
    }

    /** Every request on the protection path, in order: {@code "PUT <body>"} or {@code "GET"}. */
    public List<String> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** How many PUTs arrived (faulted ones included). */
    public int puts() {
        synchronized (lock) {
            return (int) requests.stream().filter(r -> r.startsWith("PUT")).count();
        }
    }

    /** The next request gets HTTP 200 with {@code {"failure":{"Arn":…,"Reason":reason}}}, e.g. {@code TASK_NOT_VALID}. */
    public void replyFailureNext(String reason) {
        synchronized (lock) {
            faults.add(new FailureReply(reason));
        }
    }

    /**
     * The next request gets {@code status} with {@code {"error":{"Arn":…,"Code":code,"Message":message}}}, e.g.
     * 400 {@code AccessDeniedException}, 500 {@code ServerException}, 400 {@code ThrottlingException}.
     */
    public void replyErrorNext(int status, String code, String message) {
        synchronized (lock) {
            faults.add(new ErrorReply(status, code, message));
        }
    }

    /** The next request is answered only after {@code delay} (cut short by {@link #close()}). */
    public void delayNext(Duration delay) {
        synchronized (lock) {
            faults.add(new Delay(delay));
        }
    }

    /** While {@code true}, every request gets 500 {@code ServerException}. */
    public void failAll(boolean fail) {
        this.failAll = fail;
    }

    /** Drops queued faults. */
    public void clearFaults() {
        synchronized (lock) {
            faults.clear();
        }
    }

    @Override
    public void close() {
        server.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = FakeServers.body(exchange);
        String method = exchange.getRequestMethod();
        if (!exchange.getRequestURI().getPath().equals("/api/" + endpointId + "/task-protection/v1/state")) {
            FakeServers.respond(exchange, 404, "text/plain; charset=utf-8", "404 page not found\n");
            return;
        }
        if (!method.equals("PUT") && !method.equals("GET")) {
            FakeServers.respond(exchange, 405, "text/plain; charset=utf-8", "405 method not allowed\n");
            return;
        }
        Fault fault;
        synchronized (lock) {
            requests.add(method.equals("PUT") ? "PUT " + body : "GET");
            fault = faults.poll();
        }
        if (fault instanceof Delay d) {
            try {
                Thread.sleep(d.delay());
            } catch (InterruptedException e) {
                return; // closing
            }
        } else if (fault instanceof FailureReply f) {
            reply(exchange, 200, "{\"failure\":{\"Arn\":\"" + taskArn + "\",\"Detail\":null,\"Reason\":\""
                    + FakeServers.json(f.reason()) + "\"}}");
            return;
        } else if (fault instanceof ErrorReply e) {
            error(exchange, e.status(), e.code(), e.message());
            return;
        }
        if (failAll) {
            error(exchange, 500, "ServerException", "Service Unavailable. Please try again later.");
            return;
        }
        if (method.equals("PUT")) {
            put(exchange, body);
        } else {
            reply(exchange, 200, protectionJson());
        }
    }

    private void put(HttpExchange exchange, String body) throws IOException {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            request = null;
        }
        if (request == null || !request.isObject()) {
            error(exchange, 400, "InvalidParameterException", "UpdateTaskProtection: failed to decode request");
            return;
        }
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("ProtectionEnabled") && !name.equals("ExpiresInMinutes")) {
                error(exchange, 400, "InvalidParameterException", "UpdateTaskProtection: failed to decode request");
                return;
            }
        }
        JsonNode flag = request.get("ProtectionEnabled");
        JsonNode minutes = request.get("ExpiresInMinutes");
        if (flag == null || flag.isNull()) {
            error(exchange, 400, "InvalidParameterException", "Invalid request: does not contain 'ProtectionEnabled' field");
            return;
        }
        if (!flag.isBoolean() || (minutes != null && !minutes.isNull() && !minutes.isIntegralNumber())) {
            error(exchange, 400, "InvalidParameterException", "UpdateTaskProtection: failed to decode request");
            return;
        }
        Integer n = minutes == null || minutes.isNull() ? null : minutes.asInt();
        if (n != null && (n < 1 || n > 2880)) {
            error(exchange, 400, "InvalidParameterException",
                    "The expiresInMinutes value must be between 1 and 2880 minutes.");
            return;
        }
        synchronized (lock) {
            enabled = flag.asBoolean();
            if (enabled) {
                expiresInMinutes = n == null ? DEFAULT_EXPIRES_IN_MINUTES : n;
                expirationDate = Instant.now().plus(Duration.ofMinutes(expiresInMinutes)).truncatedTo(ChronoUnit.MILLIS);
            } else {
                expiresInMinutes = null;
                expirationDate = null;
            }
        }
        reply(exchange, 200, protectionJson());
    }

    private String protectionJson() {
        synchronized (lock) {
            return "{\"protection\":{\"ExpirationDate\":"
                    + (expirationDate == null ? "null" : "\"" + expirationDate + "\"")
                    + ",\"ProtectionEnabled\":" + enabled
                    + ",\"TaskArn\":\"" + taskArn + "\"}}";
        }
    }

    private void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        reply(exchange, status, "{\"requestID\":\"" + UUID.randomUUID() + "\",\"error\":{\"Arn\":\"" + taskArn
                + "\",\"Code\":\"" + FakeServers.json(code) + "\",\"Message\":\"" + FakeServers.json(message) + "\"}}");
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        FakeServers.respond(exchange, status, "application/json", json);
    }
}
