package dev.holdline.lifecycle.awsfakes;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Amazon ECS on 127.0.0.1, for tests: {@code DescribeServices} over the JSON 1.1 protocol the AWS
 * SDK uses — {@code POST /} with {@code X-Amz-Target: AmazonEC2ContainerServiceV20141113.DescribeServices}
 * and {@code Content-Type: application/x-amz-json-1.1}, SigV4-signed (any key; not checked), dates as
 * epoch seconds, errors as {@code {"__type":…,"message":…}}.
 *
 * <p>Answers {@code {"services":[…],"failures":[…]}}; a service never {@linkplain #setService set}
 * is a failure with reason {@code MISSING}, an unknown cluster a {@code ClusterNotFoundException}.
 * Cluster and service may be given as names or ARNs. Account {@value #ACCOUNT}, Region {@value #REGION}.
 *
 * <p>Point the SDK at it with {@code EcsClient.builder().endpointOverride(fake.uri())
 * .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(…))}.
 */
public final class FakeEcsApi implements AutoCloseable {
    /** The account in the ARNs it makes up. */
    public static final String ACCOUNT = "123456789012";
    /** The Region in the ARNs it makes up. */
    public static final String REGION = "us-east-1";
    /** The JSON 1.1 target prefix of ECS. */
    public static final String TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Failure(int status, String type, String message) {
    }

    private static final class Deployment {
        final String id = "ecs-svc/" + (1_000_000_000_000_000_000L + ThreadLocalRandom.current().nextLong(8_000_000_000_000_000_000L));
        final Instant createdAt;
        String status;
        final String taskDefinition;
        int desiredCount;
        int runningCount;
        Instant updatedAt;
        String rolloutState;

        Deployment(String taskDefinition, String rolloutState, int runningCount, Instant now) {
            this.taskDefinition = taskDefinition;
            this.status = "PRIMARY";
            this.desiredCount = 1;
            this.runningCount = runningCount;
            this.createdAt = now;
            this.updatedAt = now;
            this.rolloutState = rolloutState;
        }
    }

    private static final class Service {
        final String cluster;
        final String name;
        final Instant createdAt;
        final List<Deployment> deployments = new ArrayList<>();

        Service(String cluster, String name, Instant createdAt) {
            this.cluster = cluster;
            this.name = name;
            this.createdAt = createdAt;
        }

        Deployment primary() {
            return deployments.stream().filter(d -> d.status.equals("PRIMARY")).findFirst().orElseThrow();
        }
    }

    private final Object lock = new Object();
    private final Map<String, Service> services = new HashMap<>(); // "cluster/service"
    private final Deque<Failure> failures = new ArrayDeque<>();
    private final Deque<Duration> delays = new ArrayDeque<>();
    private final AtomicInteger describeCalls = new AtomicInteger();
    private final FakeServers.Loopback server;

    private FakeEcsApi() {
        server = FakeServers.start("fake-ecs", this::handle);
    }

    /** Starts the fake on a free loopback port. */
    public static FakeEcsApi start() {
        return new FakeEcsApi();
    }

    /** {@code http://127.0.0.1:<port>}, for {@code endpointOverride}. */
    public URI uri() {
        return server.uri();
    }

    /** The ARN of a task definition, e.g. {@code taskDefinitionArn("holdline", 7)}. */
    public static String taskDefinitionArn(String family, int revision) {
        return "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":task-definition/" + family + ":" + revision;
    }

    /**
     * Creates or replaces a service whose one deployment, PRIMARY and COMPLETED, runs
     * {@code primaryTaskDefinitionArn}.
     */
    public void setService(String cluster, String service, String primaryTaskDefinitionArn) {
        Instant now = Instant.now();
        Service s = new Service(cluster, service, now);
        s.deployments.add(new Deployment(primaryTaskDefinitionArn, "COMPLETED", 1, now));
        synchronized (lock) {
            services.put(cluster + "/" + service, s);
        }
    }

    /**
     * Starts a rolling deploy, as {@code UpdateService} does: the current PRIMARY deployment becomes
     * ACTIVE and a new PRIMARY deployment, IN_PROGRESS with no running task yet, runs
     * {@code newTaskDefinitionArn}.
     *
     * @throws IllegalArgumentException for a service never set
     */
    public void startDeployment(String cluster, String service, String newTaskDefinitionArn) {
        Instant now = Instant.now();
        synchronized (lock) {
            Service s = services.get(cluster + "/" + service);
            if (s == null) {
                throw new IllegalArgumentException("no service " + service + " in cluster " + cluster);
            }
            for (Deployment d : s.deployments) {
                if (d.status.equals("PRIMARY")) {
                    d.status = "ACTIVE";
                    d.desiredCount = 0;
                    d.updatedAt = now;
                }
            }
            s.deployments.add(0, new Deployment(newTaskDefinitionArn, "IN_PROGRESS", 0, now));
        }
    }

    /** Finishes the rolling deploy: the PRIMARY deployment is COMPLETED and the ACTIVE ones are gone. */
    public void completeDeployment(String cluster, String service) {
        synchronized (lock) {
            Service s = services.get(cluster + "/" + service);
            if (s == null) {
                throw new IllegalArgumentException("no service " + service + " in cluster " + cluster);
            }
            s.deployments.removeIf(d -> !d.status.equals("PRIMARY"));
            Deployment p = s.primary();
            p.rolloutState = "COMPLETED";
            p.runningCount = p.desiredCount;
            p.updatedAt = Instant.now();
        }
    }

    /** {@code DescribeServices} requests received, failed ones included. */
    public int describeCalls() {
        return describeCalls.get();
    }

    /**
     * Answers the next request (of those not yet failed) with this error, e.g.
     * {@code failNext(400, "ThrottlingException", "Rate exceeded")} or
     * {@code failNext(500, "ServerException", "Service unavailable")}. Calls queue up.
     */
    public void failNext(int status, String type, String message) {
        synchronized (lock) {
            failures.add(new Failure(status, type, message));
        }
    }

    /** Holds the next request this long before answering (to make a client time out). Calls queue up. */
    public void delayNext(Duration delay) {
        synchronized (lock) {
            delays.add(delay);
        }
    }

    @Override
    public void close() {
        server.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = FakeServers.body(exchange);
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals("/")) {
            error(exchange, 404, "UnknownOperationException", "only POST / is served here");
            return;
        }
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 ")) {
            error(exchange, 400, "MissingAuthenticationTokenException", "Missing Authentication Token");
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.startsWith("application/x-amz-json-1.1")) {
            error(exchange, 400, "SerializationException", "Content-Type must be application/x-amz-json-1.1, was " + contentType);
            return;
        }
        if (!(TARGET_PREFIX + "DescribeServices").equals(target)) {
            error(exchange, 400, "UnknownOperationException", "Unsupported operation " + target);
            return;
        }
        describeCalls.incrementAndGet();
        Failure failure;
        Duration delay;
        synchronized (lock) {
            failure = failures.poll();
            delay = delays.poll();
        }
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // closing
            }
        }
        if (failure != null) {
            error(exchange, failure.status(), failure.type(), failure.message());
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (JacksonException e) {
            error(exchange, 400, "SerializationException", "Malformed JSON");
            return;
        }
        JsonNode names = request == null ? null : request.get("services");
        if (names == null || !names.isArray() || names.isEmpty() || names.size() > 10) {
            error(exchange, 400, "com.amazonaws.ecs.v20141113#InvalidParameterException",
                    "Services cannot be empty and at most 10 can be described at once.");
            return;
        }
        String cluster = request.hasNonNull("cluster") ? tail(request.get("cluster").asText(), "cluster/") : "default";
        ObjectNode response = JSON.createObjectNode();
        ArrayNode found = response.putArray("services");
        ArrayNode missing = response.putArray("failures");
        synchronized (lock) {
            if (services.values().stream().noneMatch(s -> s.cluster.equals(cluster))) {
                error(exchange, 400, "com.amazonaws.ecs.v20141113#ClusterNotFoundException", "Cluster not found.");
                return;
            }
            for (JsonNode n : names) {
                String name = tail(n.asText(), "/");
                Service s = services.get(cluster + "/" + name);
                if (s == null) {
                    missing.addObject().put("arn", serviceArn(cluster, name)).put("reason", "MISSING");
                } else {
                    found.add(json(s));
                }
            }
        }
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        FakeServers.respond(exchange, 200, "application/x-amz-json-1.1", JSON.writeValueAsString(response));
    }

    private static ObjectNode json(Service s) {
        ObjectNode o = JSON.createObjectNode();
        Deployment primary = s.primary();
        o.put("serviceArn", serviceArn(s.cluster, s.name))
                .put("serviceName", s.name)
                .put("clusterArn", "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":cluster/" + s.cluster)
                .put("status", "ACTIVE")
                .put("desiredCount", 1)
                .put("runningCount", s.deployments.stream().mapToInt(d -> d.runningCount).sum())
                .put("pendingCount", 0)
                .put("launchType", "EC2")
                .put("taskDefinition", primary.taskDefinition)
                .put("schedulingStrategy", "REPLICA")
                .put("createdAt", epochSeconds(s.createdAt));
        o.putObject("deploymentConfiguration").put("maximumPercent", 200).put("minimumHealthyPercent", 100)
                .putObject("deploymentCircuitBreaker").put("enable", false).put("rollback", false);
        o.putObject("deploymentController").put("type", "ECS");
        ArrayNode deployments = o.putArray("deployments");
        for (Deployment d : s.deployments) {
            deployments.addObject()
                    .put("id", d.id)
                    .put("status", d.status)
                    .put("taskDefinition", d.taskDefinition)
                    .put("desiredCount", d.desiredCount)
                    .put("pendingCount", Math.max(0, d.desiredCount - d.runningCount))
                    .put("runningCount", d.runningCount)
                    .put("failedTasks", 0)
                    .put("createdAt", epochSeconds(d.createdAt))
                    .put("updatedAt", epochSeconds(d.updatedAt))
                    .put("launchType", "EC2")
                    .put("rolloutState", d.rolloutState)
                    .put("rolloutStateReason", "ECS deployment " + d.id + (d.rolloutState.equals("COMPLETED")
                            ? " completed." : " in progress."));
        }
        o.putArray("events");
        return o;
    }

    private static String serviceArn(String cluster, String service) {
        return "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":service/" + cluster + "/" + service;
    }

    private static BigDecimal epochSeconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli()).movePointLeft(3);
    }

    private static String tail(String nameOrArn, String marker) {
        int i = nameOrArn.lastIndexOf(marker);
        return i < 0 ? nameOrArn : nameOrArn.substring(i + marker.length());
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("__type", type).put("message", message);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        FakeServers.respond(exchange, status, "application/x-amz-json-1.1", JSON.writeValueAsString(o));
    }
}
