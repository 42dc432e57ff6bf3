package dev.holdline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An unsafe drain configuration stops the worker before it takes a call, with one exact message. */
class ConfigRefusalProcessTest {
    private static final String SECRET = "refusal-secret-77";
    private final DevServer server = DevServer.builder().port(0).key("devkey", SECRET).build().start();
    private HttpServer metadata;

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        server.close();
        if (metadata != null) {
            metadata.stop(0);
        }
    }

    private ChildJvm run(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey",
                "LIVEKIT_API_SECRET", SECRET));
        env.putAll(extraEnv);
        return ChildJvm.start(env, "start", "--agent", "hold", "--health-port", "0");
    }

    private void assertRefused(Map<String, String> env, String expectedLine) throws Exception {
        try (ChildJvm child = run(env)) {
            assertEquals(2, child.awaitExit(Duration.ofSeconds(30)), child.text());
            assertTrue(child.output.contains(expectedLine), "expected the line\n" + expectedLine + "\nin\n" + child.text());
        }
        assertTrue(server.events().stream().noneMatch(AgentEvent.WorkerRegistered.class::isInstance),
                "a refused worker must not register");
    }

    @Test
    void aDrainLongerThanTheStopTimeoutIsRefused() throws Exception {
        Path file = dir.resolve("profiles.yaml");
        Files.writeString(file, """
                default_profile: support
                profiles:
                  support:
                    drain_timeout: 120s
                    wrap_up_notice: 20s
                """);
        assertRefused(Map.of("HOLDLINE_PROFILES", file.toString(), "HOLDLINE_STOP_TIMEOUT", "100s"),
                "Cannot start: Unsafe drain configuration: profile 'support' drain_timeout 120s + safety margin 10s = 130s"
                        + " exceeds HOLDLINE_STOP_TIMEOUT 100s, so ECS would SIGKILL calls still draining."
                        + " Fix: set the container's stopTimeout and HOLDLINE_STOP_TIMEOUT to at least 130s,"
                        + " or lower 'support' drain_timeout to at most 90s.");
    }

    @Test
    void aLongDrainOnFargateIsRefused() throws Exception {
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metadata.createContext("/v4/abc/task", exchange -> {
            byte[] body = """
                    {"Cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/voice", "TaskARN":
                     "arn:aws:ecs:us-east-1:111122223333:task/voice/0123456789abcdef", "Family": "holdline",
                     "Revision": "7", "LaunchType": "FARGATE", "AvailabilityZone": "us-east-1a",
                     "ServiceName": "holdline-workers"}""".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        metadata.start();
        String uri = "http://127.0.0.1:" + metadata.getAddress().getPort() + "/v4/abc";
        assertRefused(Map.of("ECS_CONTAINER_METADATA_URI_V4", uri),
                "Cannot start: Unsafe drain configuration: profile 'default' drain_timeout 300s + safety margin 10s = 310s"
                        + " exceeds Fargate's 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls"
                        + " still draining. Fix: run on ECS with the EC2 launch type, or lower 'default' drain_timeout to at most 110s.");
    }

    @Test
    void aTypoInTheProfileFileIsRefusedWithTheSettingNamed() throws Exception {
        Path file = dir.resolve("profiles.yaml");
        Files.writeString(file, """
                profiles:
                  default:
                    drain_timout: 120s
                    wrap_up_notice: 20s
                """);
        try (ChildJvm child = run(Map.of("HOLDLINE_PROFILES", file.toString()))) {
            assertEquals(2, child.awaitExit(Duration.ofSeconds(30)), child.text());
            assertTrue(child.hasLine("Cannot start: " + file) && child.hasLine("drain_timout")
                    && child.hasLine("did you mean 'drain_timeout'?"), child.text());
        }
    }
}
