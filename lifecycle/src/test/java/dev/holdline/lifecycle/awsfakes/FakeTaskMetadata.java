package dev.holdline.lifecycle.awsfakes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ECS task metadata endpoint v4 on 127.0.0.1, for tests: {@code GET <base>/task} answers the
 * task (Cluster, TaskARN, Family, Revision, DesiredStatus, KnownStatus, LaunchType,
 * AvailabilityZone, ServiceName when set, Limits, Containers, …) and {@code GET <base>} this
 * container, shaped like the agent's answers. {@link #uri()} is {@code <base>}, the value ECS puts in
 * {@code ECS_CONTAINER_METADATA_URI_V4}. The Availability Zone is the task ARN's Region + {@code a}.
 */
public final class FakeTaskMetadata implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String cluster;
    private final String taskArn;
    private final String family;
    private final String revision;
    private final String launchType;
    private final String serviceName;
    private final String basePath;
    private final String taskId;
    private final AtomicInteger taskRequests = new AtomicInteger();
    private final FakeServers.Loopback server;

    private FakeTaskMetadata(String cluster, String taskArn, String family, String revision, String launchType,
                             String serviceName) {
        this.cluster = cluster;
        this.taskArn = taskArn;
        this.family = family;
        this.revision = revision;
        this.launchType = launchType;
        this.serviceName = serviceName == null ? "" : serviceName;
        this.taskId = taskArn.substring(taskArn.lastIndexOf('/') + 1);
        this.basePath = "/v4/" + taskId + "-" + Integer.toUnsignedString(taskArn.hashCode());
        this.server = FakeServers.start("fake-task-metadata", this::handle);
    }

    /**
     * Starts the endpoint.
     *
     * @param serviceName {@code ""} or {@code null} for a task outside a service (the field is then left out)
     */
    public static FakeTaskMetadata start(String cluster, String taskArn, String family, String revision,
                                         String launchType, String serviceName) {
        return new FakeTaskMetadata(cluster, taskArn, family, revision, launchType, serviceName);
    }

    /** The value of {@code ECS_CONTAINER_METADATA_URI_V4}, e.g. {@code http://127.0.0.1:PORT/v4/<id>}. */
    public URI uri() {
        return URI.create(server.uri() + basePath);
    }

    /** {@code GET <base>/task} requests received. */
    public int taskRequests() {
        return taskRequests.get();
    }

    @Override
    public void close() {
        server.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        FakeServers.body(exchange);
        String path = exchange.getRequestURI().getPath().replaceAll("/+$", "");
        if (!exchange.getRequestMethod().equals("GET")) {
            FakeServers.respond(exchange, 405, "text/plain", "Method Not Allowed");
        } else if (path.equals(basePath + "/task")) {
            taskRequests.incrementAndGet();
            FakeServers.respond(exchange, 200, "application/json", write(task()));
        } else if (path.equals(basePath)) {
            FakeServers.respond(exchange, 200, "application/json", write(container()));
        } else {
            FakeServers.respond(exchange, 404, "text/plain", "404 page not found");
        }
    }

    private String region() {
        String[] parts = taskArn.split(":");
        return parts.length > 3 && !parts[3].isEmpty() ? parts[3] : "us-east-1";
    }

    private String account() {
        String[] parts = taskArn.split(":");
        return parts.length > 4 && !parts[4].isEmpty() ? parts[4] : "123456789012";
    }

    private ObjectNode task() {
        ObjectNode t = JSON.createObjectNode()
                .put("Cluster", cluster)
                .put("TaskARN", taskArn)
                .put("Family", family)
                .put("Revision", revision)
                .put("DesiredStatus", "RUNNING")
                .put("KnownStatus", "RUNNING");
        if (!serviceName.isEmpty()) {
            t.put("ServiceName", serviceName);
        }
        t.putObject("Limits").put("CPU", 1).put("Memory", 2048);
        t.put("PullStartedAt", "2025-06-02T09:14:07.361297145Z")
                .put("PullStoppedAt", "2025-06-02T09:14:19.730582312Z")
                .put("AvailabilityZone", region() + "a")
                .put("LaunchType", launchType);
        t.putArray("Containers").add(container());
        if ("FARGATE".equalsIgnoreCase(launchType)) {
            t.putObject("ClockDrift").put("ClockErrorBound", 0.4).put("ReferenceTimestamp", "2025-06-02T09:20:00Z")
                    .put("ClockSynchronizationStatus", "SYNCHRONIZED");
            t.putObject("EphemeralStorageMetrics").put("Utilized", 261).put("Reserved", 20496);
        } else {
            t.putObject("TaskTags");
            t.putObject("ContainerInstanceTags");
        }
        return t;
    }

    private ObjectNode container() {
        String dockerId = taskId + "-" + Integer.toUnsignedString(taskArn.hashCode());
        ObjectNode c = JSON.createObjectNode()
                .put("DockerId", dockerId)
                .put("Name", "worker")
                .put("DockerName", "ecs-" + family + "-" + revision + "-worker")
                .put("Image", account() + ".dkr.ecr." + region() + ".amazonaws.com/" + family + ":" + revision)
                .put("ImageID", "sha256:4b9c1e2b7d0f5a6c3e8d9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d");
        c.putObject("Labels")
                .put("com.amazonaws.ecs.cluster", cluster)
                .put("com.amazonaws.ecs.container-name", "worker")
                .put("com.amazonaws.ecs.task-arn", taskArn)
                .put("com.amazonaws.ecs.task-definition-family", family)
                .put("com.amazonaws.ecs.task-definition-version", revision);
        c.put("DesiredStatus", "RUNNING").put("KnownStatus", "RUNNING");
        c.putObject("Limits").put("CPU", 1024).put("Memory", 2048);
        c.put("CreatedAt", "2025-06-02T09:14:21.043217901Z")
                .put("StartedAt", "2025-06-02T09:14:21.862301417Z")
                .put("Type", "NORMAL")
                .put("ContainerARN", "arn:aws:ecs:" + region() + ":" + account() + ":container/" + UUID.nameUUIDFromBytes(
                        taskArn.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .put("LogDriver", "awslogs");
        c.putObject("LogOptions")
                .put("awslogs-group", "/ecs/" + family)
                .put("awslogs-region", region())
                .put("awslogs-stream", "worker/worker/" + taskId);
        c.putArray("Networks").addObject()
                .put("NetworkMode", "awsvpc")
                .put("IPv4SubnetCIDRBlock", "172.31.16.0/20")
                .put("PrivateDNSName", "ip-172-31-20-147." + region() + ".compute.internal")
                .put("SubnetGatewayIpv4Address", "172.31.16.1/20")
                .putArray("IPv4Addresses").add("172.31.20.147");
        return c;
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
