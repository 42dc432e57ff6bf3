package dev.holdline.lifecycle.protection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ECS task scale-in protection through the container agent: {@code PUT $ECS_AGENT_URI/task-protection/v1/state}
 * with {@code {"ProtectionEnabled":true,"ExpiresInMinutes":N}}. The agent calls ECS
 * {@code UpdateTaskProtection} with the task role, and answers {@code {"protection":{…}}},
 * {@code {"failure":{"Reason":…}}} with HTTP 200 (e.g. the task is not part of a service), or
 * {@code {"error":{"Code":…,"Message":…}}} with the ECS API's status (403/400 {@code AccessDeniedException}
 * when the task role lacks {@code ecs:UpdateTaskProtection}, 5xx, 504 when ECS did not answer the agent in time).
 * Each call resets the expiry, so the policy renews while busy.
 */
public final class EcsTaskProtection implements ProtectionBackend {
    /** Injected by the ECS agent into every container of a task (agent 1.65.0+). */
    public static final String AGENT_URI_ENV = "ECS_AGENT_URI";
    /**
     * Per request, 5 s: the agent is on the same host but forwards to the ECS API, which normally
     * answers within a second; slower than this counts as a (retryable) failure.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** {@code ExpiresInMinutes} bounds the ECS API accepts. */
    static final int MIN_MINUTES = 1;
    static final int MAX_MINUTES = 2880;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUOTED_BODY_CHARS = 200;
    private static final Set<String> THROTTLING_CODES = Set.of("ThrottlingException", "Throttling",
            "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled");
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final URI stateUri;
    private final Duration timeout;
    private final ExecutorService httpExecutor;
    private final HttpClient http;
    private volatile String taskArn;

    private EcsTaskProtection(URI agentUri, Duration timeout) {
        String base = agentUri.toString().strip().replaceAll("/+$", "");
        this.stateUri = URI.create(base + "/task-protection/v1/state");
        this.timeout = timeout;
        int n = CLIENTS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.httpExecutor = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon()
                .name("holdline-ecs-protection-" + n + "-" + threads.incrementAndGet()).unstarted(r));
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .executor(httpExecutor).build();
    }

    /**
     * @param agentUri the value of {@value #AGENT_URI_ENV}, e.g. {@code http://169.254.170.2/api/<id>}
     * @param timeout  per request (connect and answer); see {@link #DEFAULT_TIMEOUT}
     */
    public static EcsTaskProtection create(URI agentUri, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return new EcsTaskProtection(agentUri, timeout);
    }

    /** The backend for this ECS task; empty when {@value #AGENT_URI_ENV} is not set (not an ECS task). */
    public static Optional<EcsTaskProtection> fromEnvironment(Map<String, String> env, Duration timeout) {
        String uri = env.get(AGENT_URI_ENV);
        if (uri == null || uri.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(create(URI.create(uri.strip()), timeout));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AGENT_URI_ENV + " is not a URI: '" + uri + "'", e);
        }
    }

    /** {@code $ECS_AGENT_URI/task-protection/v1/state}. */
    public URI endpoint() {
        return stateUri;
    }

    @Override
    public String describe() {
        String arn = taskArn;
        return "ECS task protection (" + (arn != null ? arn : stateUri) + ")";
    }

    /** {@code ExpiresInMinutes} for an expiry: whole minutes rounded up, clamped to 1..2880. */
    static int expiresInMinutes(Duration expiry) {
        long seconds = Math.max(0, expiry.toSeconds());
        long minutes = (seconds + 59) / 60;
        return (int) Math.max(MIN_MINUTES, Math.min(MAX_MINUTES, minutes));
    }

    @Override
    public void setProtected(boolean enabled, Duration expiry) throws ProtectionException {
        String body = enabled
                ? "{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":" + expiresInMinutes(expiry) + "}"
                : "{\"ProtectionEnabled\":false}";
        JsonNode protection = call(HttpRequest.newBuilder(stateUri).timeout(timeout)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), "UpdateTaskProtection");
        boolean now = protection.path("ProtectionEnabled").asBoolean(false);
        if (now != enabled) {
            throw new ProtectionException("ECS agent at " + stateUri + " answered ProtectionEnabled=" + now
                    + " to a request for " + enabled, true);
        }
    }

    /** Reads the task's protection state ({@code GET}; needs {@code ecs:GetTaskProtection}). */
    public boolean currentlyProtected() throws ProtectionException {
        JsonNode protection = call(HttpRequest.newBuilder(stateUri).timeout(timeout).GET().build(), "GetTaskProtection");
        return protection.path("ProtectionEnabled").asBoolean(false);
    }

    private JsonNode call(HttpRequest request, String apiAction) throws ProtectionException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ProtectionException("ECS agent at " + stateUri + " did not answer within " + timeout, true, e);
        } catch (IOException e) {
            throw new ProtectionException("could not reach the ECS agent at " + stateUri + ": " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtectionException("interrupted while calling the ECS agent at " + stateUri, false, e);
        }
        int status = response.statusCode();
        JsonNode reply;
        try {
            reply = JSON.readTree(response.body());
        } catch (IOException e) {
            reply = null;
        }
        if (reply == null || !reply.isObject()) {
            throw new ProtectionException("ECS agent at " + stateUri + " answered HTTP " + status
                    + " with no JSON object: '" + quote(response.body()) + "'", status >= 500 || status == 429);
        }
        JsonNode error = reply.get("error");
        if (error != null && error.isObject()) {
            String code = error.path("Code").asText("");
            String message = error.path("Message").asText("");
            remember(error.path("Arn").asText(null));
            if (code.equals("AccessDeniedException") || code.equals("AccessDenied")) {
                String action = apiAction.equals("GetTaskProtection") ? "ecs:GetTaskProtection" : "ecs:UpdateTaskProtection";
                throw new ProtectionException("access denied: the task role lacks " + action
                        + " (ECS agent answered HTTP " + status + " " + code + ": " + message + ")", false);
            }
            boolean throttled = status == 429 || THROTTLING_CODES.contains(code);
            boolean retryable = throttled || status >= 500;
            throw new ProtectionException((throttled ? "throttled: " : "") + "ECS agent answered HTTP " + status
                    + " " + code + ": " + message, retryable);
        }
        JsonNode failure = reply.get("failure");
        if (failure != null && failure.isObject()) {
            remember(failure.path("Arn").asText(null));
            String reason = failure.path("Reason").asText("");
            String detail = failure.path("Detail").asText("");
            throw new ProtectionException("ECS refused task protection: " + reason
                    + (detail.isEmpty() ? "" : " (" + detail + ")")
                    + " — only tasks that belong to an ECS service can be protected", false);
        }
        JsonNode protection = reply.get("protection");
        if (status != 200 || protection == null || !protection.isObject()) {
            throw new ProtectionException("ECS agent at " + stateUri + " answered HTTP " + status
                    + " without a protection state: '" + quote(response.body()) + "'", status >= 500 || status == 429);
        }
        remember(protection.path("TaskArn").asText(null));
        return protection;
    }

    private void remember(String arn) {
        if (arn != null && !arn.isBlank()) {
            taskArn = arn;
        }
    }

    private static String quote(String body) {
        String s = body == null ? "" : body.strip();
        return s.length() <= QUOTED_BODY_CHARS ? s : s.substring(0, QUOTED_BODY_CHARS) + "…";
    }

    @Override
    public void close() {
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        httpExecutor.shutdownNow();
        try {
            httpExecutor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
