package dev.holdline.lifecycle.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads task metadata from a real HTTP server on the loopback, shaped like the ECS agent's v4 endpoint. */
class EcsTaskMetadataTest {
    private static final String PATH = "/v4/8f03e41243824aea923aca126495f665-1143249497";

    /** A Fargate task as the v4 endpoint describes it (fields per AWS's "task metadata v4 JSON response for tasks on Fargate"). */
    static final String FARGATE_TASK = """
            {
              "Cluster": "arn:aws:ecs:eu-west-1:111122223333:cluster/holdline-prod",
              "TaskARN": "arn:aws:ecs:eu-west-1:111122223333:task/holdline-prod/8f03e41243824aea923aca126495f665",
              "Family": "holdline-worker",
              "Revision": "42",
              "ServiceName": "holdline-worker",
              "DesiredStatus": "RUNNING",
              "KnownStatus": "RUNNING",
              "Limits": { "CPU": 1, "Memory": 2048 },
              "PullStartedAt": "2025-06-02T09:14:07.361297145Z",
              "PullStoppedAt": "2025-06-02T09:14:19.730582312Z",
              "AvailabilityZone": "eu-west-1b",
              "LaunchType": "FARGATE",
              "Containers": [
                {
                  "DockerId": "8f03e41243824aea923aca126495f665-1143249497",
                  "Name": "worker",
                  "DockerName": "worker",
                  "Image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/holdline-worker:1.4.0",
                  "ImageID": "sha256:4b9c1e2b7d0f5a6c3e8d9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d",
                  "Labels": {
                    "com.amazonaws.ecs.cluster": "arn:aws:ecs:eu-west-1:111122223333:cluster/holdline-prod",
                    "com.amazonaws.ecs.container-name": "worker",
                    "com.amazonaws.ecs.task-arn": "arn:aws:ecs:eu-west-1:111122223333:task/holdline-prod/8f03e41243824aea923aca126495f665",
                    "com.amazonaws.ecs.task-definition-family": "holdline-worker",
                    "com.amazonaws.ecs.task-definition-version": "42"
                  },
                  "DesiredStatus": "RUNNING",
                  "KnownStatus": "RUNNING",
                  "Limits": { "CPU": 2 },
                  "CreatedAt": "2025-06-02T09:14:21.043217901Z",
                  "StartedAt": "2025-06-02T09:14:21.862301417Z",
                  "Type": "NORMAL",
                  "ContainerARN": "arn:aws:ecs:eu-west-1:111122223333:container/holdline-prod/8f03e41243824aea923aca126495f665/2f1b7c7e-55d1-4b0f-9e1c-6a3d0f7b5c21",
                  "LogDriver": "awslogs",
                  "LogOptions": {
                    "awslogs-group": "/ecs/holdline-worker",
                    "awslogs-region": "eu-west-1",
                    "awslogs-stream": "worker/worker/8f03e41243824aea923aca126495f665"
                  },
                  "Networks": [
                    {
                      "NetworkMode": "awsvpc",
                      "IPv4Addresses": ["172.31.20.147"],
                      "AttachmentIndex": 0,
                      "MACAddress": "06:5e:1f:8a:31:c5",
                      "IPv4SubnetCIDRBlock": "172.31.16.0/20",
                      "PrivateDNSName": "ip-172-31-20-147.eu-west-1.compute.internal",
                      "SubnetGatewayIpv4Address": "172.31.16.1/20"
                    }
                  ],
                  "Snapshotter": "overlayfs"
                }
              ],
              "ClockDrift": {
                "ClockErrorBound": 0.4417,
                "ReferenceTimestamp": "2025-06-02T09:20:05Z",
                "ClockSynchronizationStatus": "SYNCHRONIZED"
              },
              "EphemeralStorageMetrics": { "Utilized": 361, "Reserved": 20496 }
            }
            """;

    /** An EC2 task from an older agent: no LaunchType, no ServiceName. */
    static final String OLD_EC2_TASK = """
            {
              "Cluster": "default",
              "TaskARN": "arn:aws:ecs:us-east-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c",
              "Family": "holdline-worker",
              "Revision": "7",
              "DesiredStatus": "RUNNING",
              "KnownStatus": "RUNNING",
              "AvailabilityZone": "us-east-2b",
              "Containers": []
            }
            """;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String body = FARGATE_TASK;
    private final CountDownLatch releaseSlowAnswer = new CountDownLatch(1);
    private volatile boolean slow;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(PATH, exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            if (slow) {
                try {
                    releaseSlowAnswer.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        releaseSlowAnswer.countDown();
        server.stop(0);
    }

    private String baseUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    private static Optional<EcsTaskMetadata> read(String uri) {
        return EcsTaskMetadata.fromEnvironment(Map.of("ECS_CONTAINER_METADATA_URI_V4", uri), Duration.ofSeconds(2));
    }

    @Test
    void readsAFargateTask() {
        EcsTaskMetadata task = read(baseUri()).orElseThrow();

        assertEquals(new EcsTaskMetadata("arn:aws:ecs:eu-west-1:111122223333:cluster/holdline-prod",
                "arn:aws:ecs:eu-west-1:111122223333:task/holdline-prod/8f03e41243824aea923aca126495f665",
                "holdline-worker", "42", "FARGATE", "eu-west-1b", "holdline-worker"), task);
        assertTrue(task.onFargate());
        assertEquals(List.of("GET " + PATH + "/task"), requests);
    }

    @Test
    void fieldsTheEndpointLeavesOutAreEmpty() {
        body = OLD_EC2_TASK;

        EcsTaskMetadata task = read(baseUri()).orElseThrow();

        assertEquals(new EcsTaskMetadata("default", "arn:aws:ecs:us-east-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c",
                "holdline-worker", "7", "", "us-east-2b", ""), task);
        assertFalse(task.onFargate());
    }

    @Test
    void toleratesATrailingSlashOnTheVariable() {
        read(baseUri() + "/").orElseThrow();

        assertEquals(List.of("GET " + PATH + "/task"), requests);
    }

    @Test
    void isEmptyOffEcs() {
        assertEquals(Optional.empty(), EcsTaskMetadata.fromEnvironment(Map.of("PATH", "/usr/bin"), Duration.ofSeconds(2)));
        assertTrue(requests.isEmpty());
    }

    @Test
    void anUnreachableEndpointIsAnErrorNamingTheVariableAndUrl() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String uri = "http://127.0.0.1:" + closedPort + "/v4/abc";

        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> read(uri));

        assertTrue(e.getMessage().startsWith("Cannot read this task's ECS metadata from GET " + uri + "/task"
                + " (ECS_CONTAINER_METADATA_URI_V4=" + uri + "): java.net.ConnectException"), e.getMessage());
        assertTrue(e.getMessage().endsWith(". The worker needs it to check Fargate's stopTimeout cap before it takes calls;"
                + " check that the ECS agent is running, or unset ECS_CONTAINER_METADATA_URI_V4 when not on ECS."), e.getMessage());
        assertNotNull(e.getCause());
    }

    @Test
    void anAnswerThatIsNotJsonIsAnError() {
        body = "<html><body><h1>502 Bad Gateway</h1></body></html>";

        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> read(baseUri()));

        assertEquals("Cannot read this task's ECS metadata from GET " + baseUri() + "/task (ECS_CONTAINER_METADATA_URI_V4="
                + baseUri() + "): the answer is not JSON: '<html><body><h1>502 Bad Gateway</h1></body></html>'. The worker needs"
                + " it to check Fargate's stopTimeout cap before it takes calls; check that the ECS agent is running, or unset"
                + " ECS_CONTAINER_METADATA_URI_V4 when not on ECS.", e.getMessage());
    }

    @Test
    void jsonThatIsNotAnObjectIsAnError() {
        body = "[\"Cluster\"]";

        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> read(baseUri()));

        assertTrue(e.getMessage().contains("): the answer is not a JSON object: '[\"Cluster\"]'. "), e.getMessage());
    }

    @Test
    void anEmptyAnswerIsAnError() {
        body = "";

        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> read(baseUri()));

        assertTrue(e.getMessage().contains("): the answer is not a JSON object: (empty). "), e.getMessage());
    }

    @Test
    void anErrorStatusIsAnError() {
        status = 500;
        body = "{\"error\":\"agent not ready\"}";

        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> read(baseUri()));

        assertTrue(e.getMessage().contains("): the endpoint answered HTTP 500 with '{\"error\":\"agent not ready\"}'. "),
                e.getMessage());
    }

    @Test
    void aSilentEndpointTimesOut() {
        slow = true;

        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> EcsTaskMetadata.fromEnvironment(
                Map.of("ECS_CONTAINER_METADATA_URI_V4", baseUri()), Duration.ofMillis(300)));

        assertTrue(e.getMessage().contains("): no answer within 300 ms. "), e.getMessage());
    }

    @Test
    void aBlankVariableIsAnError() {
        EcsMetadataException e = assertThrows(EcsMetadataException.class, () -> read(" "));

        assertEquals("Cannot read this task's ECS metadata from GET /task (ECS_CONTAINER_METADATA_URI_V4= ): the variable is not"
                + " an http URL. The worker needs it to check Fargate's stopTimeout cap before it takes calls;"
                + " check that the ECS agent is running, or unset ECS_CONTAINER_METADATA_URI_V4 when not on ECS.", e.getMessage());
    }

    @Test
    void leavesNoHttpClientThreadsBehind() {
        read(baseUri()).orElseThrow();
        status = 500;
        assertThrows(EcsMetadataException.class, () -> read(baseUri()));

        // Clients shut down asynchronously (this one's, and any another test class left closing):
        // give them a moment, then none may remain.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of(),
                Thread.getAllStackTraces().keySet().stream()
                        .filter(Thread::isAlive).map(Thread::getName).filter(n -> n.startsWith("HttpClient-")).toList()));
    }
}
