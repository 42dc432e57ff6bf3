package dev.holdline.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.worker.admin.v1.DrainRequest;
import dev.holdline.worker.admin.v1.DrainResponse;
import dev.holdline.worker.admin.v1.StatusRequest;
import dev.holdline.worker.admin.v1.WorkerAdminGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations surface of a real worker process: JSON logs in {@code start} (session keys in the
 * MDC, no secret anywhere), text in {@code dev}, a drain through the admin API that ends the process
 * as SIGTERM does, {@code plan-drain} reading the live {@code /metrics}, and {@code doctor}.
 */
class OpsProcessTest {
    private static final String SECRET = "ops-test-secret-0123456789";
    private static final String TOKEN = "ops-admin-token-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TEXT_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (INFO|DEBUG|WARN|ERROR) .*");

    private final DevServer server = DevServer.builder().port(0).key("devkey", SECRET).build().start();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Map<String, String> env() {
        return Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey", "LIVEKIT_API_SECRET", SECRET);
    }

    private static int port(ChildJvm child, String pattern) {
        Pattern p = Pattern.compile(pattern);
        await().atMost(Duration.ofSeconds(30)).until(() -> child.output.stream()
                .map(l -> l.startsWith("{") ? ChildJvm.message(l) : l).anyMatch(l -> p.matcher(l).find()));
        return child.output.stream().map(l -> l.startsWith("{") ? ChildJvm.message(l) : l).map(p::matcher)
                .filter(Matcher::find).map(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    @Test
    void startLogsJsonWithSessionKeysAndDrainsOverTheAdminApiLikeSigterm() throws Exception {
        java.util.HashMap<String, String> env = new java.util.HashMap<>(env());
        env.put("HOLDLINE_ADMIN_TOKEN", TOKEN);
        try (ChildJvm child = ChildJvm.start(env, "start", "--agent", "hold", "--health-port", "0", "--admin-port", "0")) {
            int adminPort = port(child, "Admin API .* on 127\\.0\\.0\\.1:(\\d+), bearer token required");
            int healthPort = port(child, "Health endpoint on http://[^:]+:(\\d+)/");
            await().atMost(Duration.ofSeconds(30)).until(() -> child.hasLine("Registered with LiveKit"));

            String jobId = server.createDispatch("room-ops", "hold", "{\"seconds\": 0.3}").getId();
            await().atMost(Duration.ofSeconds(10)).until(() -> child.hasLine("Session ended: job "));
            String job = server.jobs().stream().filter(j -> j.room().equals("room-ops")).findFirst().orElseThrow().jobId();

            // Every log line is a JSON object; the session's lines carry its keys.
            List<String> logLines = child.output.stream().filter(l -> l.startsWith("{") || TEXT_LINE.matcher(l).matches()).toList();
            assertTrue(logLines.size() > 5 && logLines.stream().allMatch(l -> l.startsWith("{")), child.text());
            List<JsonNode> sessionLines = logLines.stream().map(OpsProcessTest::json)
                    .filter(n -> n.path("mdc").path("job_id").asText("").equals(job)).toList();
            assertTrue(sessionLines.stream().anyMatch(n -> n.path("formattedMessage").asText().startsWith("Session started: job " + job)),
                    child.text());
            assertTrue(sessionLines.stream().anyMatch(n -> n.path("formattedMessage").asText().startsWith("Job " + job + " held for")),
                    "the handler's own line carries the keys: " + child.text());
            for (JsonNode n : sessionLines) {
                assertTrue(n.path("mdc").path("session_id").asText().startsWith("SE_"), n.toString());
                assertEquals("default", n.path("mdc").path("profile").asText(), n.toString());
                assertEquals("room-ops", n.path("mdc").path("room").asText(), n.toString());
                assertTrue(n.has("level") && n.has("timestamp") && n.has("loggerName"), n.toString());
            }
            assertTrue(jobId.startsWith("AD_"));

            // plan-drain reads the live histogram: one 0.3 s call, in the 15 s bucket.
            try (ChildJvm plan = ChildJvm.start(Map.of(), "plan-drain", "--metrics", "http://127.0.0.1:" + healthPort + "/metrics")) {
                assertEquals(0, plan.awaitExit(Duration.ofSeconds(30)), plan.text());
                assertTrue(plan.hasLine("Drain plan from 1 calls in http://127.0.0.1:" + healthPort + "/metrics."), plan.text());
                assertTrue(plan.hasLine("    default: { drain_timeout: 120s, wrap_up_notice: 30s }"), plan.text());
                assertTrue(plan.hasLine("stopTimeout: 130s = profile 'default' drain_timeout 120s + safety margin 10s."), plan.text());
            }

            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", adminPort).usePlaintext().build();
            try {
                var admin = WorkerAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                var refused = assertThrows(StatusRuntimeException.class, () -> admin.status(StatusRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
                DrainResponse r = admin.withCallCredentials(bearer(TOKEN)).drain(DrainRequest.newBuilder().setReason("ops test").build());
                assertTrue(r.getStarted());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertEquals(0, child.awaitExit(Duration.ofSeconds(30)), "a drain from the admin API ends the process like SIGTERM");
            assertTrue(child.hasLine("Draining (admin API: ops test)") && child.hasLine("Drain complete in"), child.text());
            assertFalse(child.text().contains(SECRET) || child.text().contains(TOKEN), "a secret was printed");
        }
    }

    @Test
    void devLogsReadableTextWithTheSessionKeysInBrackets() throws Exception {
        try (ChildJvm child = ChildJvm.start(env(), "dev", "--agent", "hold", "--health-port", "0")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> child.hasLine("Registered with LiveKit"));
            server.createDispatch("room-dev", "hold", "{\"seconds\": 0.1}");
            await().atMost(Duration.ofSeconds(10)).until(() -> child.hasLine("Session ended: job "));
            String job = server.jobs().getFirst().jobId();
            Pattern started = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .* - \\[job " + job
                    + " session SE_\\w{12} room room-dev profile default] Session started: job " + job);
            assertTrue(child.output.stream().anyMatch(l -> started.matcher(l).find()), child.text());
            assertTrue(child.output.stream().anyMatch(l -> l.contains(" - Registered with LiveKit")),
                    "lines outside a session have no brackets: " + child.text());
            child.signal("INT");
            assertEquals(0, child.awaitExit(Duration.ofSeconds(30)), child.text());
        }
    }

    @Test
    void doctorPassesAgainstTheDevServerAndFailsOnAWrongSecret() throws Exception {
        try (ChildJvm doctor = ChildJvm.start(env(), "doctor")) {
            assertEquals(0, doctor.awaitExit(Duration.ofSeconds(30)), doctor.text());
            assertTrue(doctor.hasLine("PASS livekit-http: ") && doctor.hasLine("PASS websocket: ")
                    && doctor.hasLine("PASS agent-token: ") && doctor.hasLine("PASS clock: "), doctor.text());
            assertTrue(doctor.output.contains("0 FAIL, 2 WARN"), doctor.text());
        }
        assertTrue(server.events().stream().anyMatch(e -> e instanceof AgentEvent.WorkerRegistered r
                && r.agentName().startsWith("holdline-doctor-")));
        java.util.HashMap<String, String> wrong = new java.util.HashMap<>(env());
        wrong.put("LIVEKIT_API_SECRET", "a-wrong-secret-for-the-doctor");
        try (ChildJvm doctor = ChildJvm.start(wrong, "doctor")) {
            assertEquals(1, doctor.awaitExit(Duration.ofSeconds(30)), doctor.text());
            assertTrue(doctor.hasLine("FAIL agent-token: LiveKit rejected the agent token for API key 'devkey' (HTTP 401"),
                    doctor.text());
            assertFalse(doctor.text().contains("a-wrong-secret-for-the-doctor"));
        }
    }

    @Test
    void planDrainPrintsTheRecommendationForACsv() throws Exception {
        Path csv = dir.resolve("calls.csv");
        StringBuilder b = new StringBuilder("profile,duration_seconds\n");
        for (int i = 1; i <= 100; i++) {
            b.append("support,").append(i * 6).append('\n'); // 6 s .. 600 s: p99 (rank 99) is 594 s
        }
        Files.writeString(csv, b);
        try (ChildJvm plan = ChildJvm.start(Map.of(), "plan-drain", "--csv", csv.toString(), "--safety-margin", "15s")) {
            assertEquals(0, plan.awaitExit(Duration.ofSeconds(30)), plan.text());
            // 594 s + 60 s = 654 s, up to the minute: 660 s; + 15 s margin.
            assertTrue(plan.hasLine("    support: { drain_timeout: 660s, wrap_up_notice: 30s }"), plan.text());
            assertTrue(plan.hasLine("stopTimeout: 675s = profile 'support' drain_timeout 660s + safety margin 15s."), plan.text());
        }
        try (ChildJvm bad = ChildJvm.start(Map.of(), "plan-drain", "--csv", dir.resolve("missing.csv").toString())) {
            assertEquals(2, bad.awaitExit(Duration.ofSeconds(30)), bad.text());
            assertTrue(bad.hasLine("Cannot plan: cannot read " + dir.resolve("missing.csv")), bad.text());
        }
    }

    private static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                applier.apply(m);
            }
        };
    }
}
