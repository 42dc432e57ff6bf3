package dev.holdline.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.lifecycle.awsfakes.FakeEcsAgentEndpoint;
import dev.holdline.lifecycle.awsfakes.FakeTaskMetadata;
import dev.holdline.worker.doctor.Doctor;
import dev.holdline.worker.doctor.DoctorReport;
import dev.holdline.worker.doctor.Finding;
import dev.holdline.worker.doctor.Verdict;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The preflight against a real dev server, real sockets and the AWS fakes. */
@ExtendWith(NoLeakedThreads.class)
class DoctorTest {
    private final DevServer server = DevServer.builder().port(0).key(Fixture.KEY, Fixture.SECRET).build().start();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        server.close();
    }

    private DoctorReport run(String url, String secret, Map<String, String> env, Optional<String> stun, Clock clock) {
        DoctorReport report = Doctor.run(new Doctor.Settings(url, Fixture.KEY, secret, Optional.empty(), stun,
                Duration.ofSeconds(3), env, clock));
        report.print(System.out);
        return report;
    }

    private DoctorReport run(Map<String, String> env) {
        return run(server.httpUrl(), Fixture.SECRET, env, Optional.empty(), Clock.systemUTC());
    }

    private static Finding only(DoctorReport r, String check) {
        return r.find(check).orElseThrow(() -> new AssertionError("no '" + check + "' line in " + r.findings()));
    }

    @Test
    void passesAgainstTheDevServerAndRegistersForRealThenLeavesCleanly() throws Exception {
        try (StunResponder stun = new StunResponder()) {
            DoctorReport r = run(server.httpUrl(), Fixture.SECRET, Map.of("HOLDLINE_STOP_TIMEOUT", "310s"),
                    Optional.of("127.0.0.1:" + stun.port()), Clock.systemUTC());
            assertFalse(r.failed(), r.findings().toString());
            assertEquals(0, r.count(Verdict.WARN), r.findings().toString());
            for (String check : new String[] {"livekit-http", "websocket", "agent-token", "ice-udp", "clock", "drain-config"}) {
                assertEquals(Verdict.PASS, only(r, check).verdict(), only(r, check).line());
            }
            assertTrue(only(r, "ice-udp").message().contains("this host is 127.0.0.1:"), only(r, "ice-udp").line());
            assertTrue(only(r, "agent-token").message().endsWith("then disconnected cleanly."), only(r, "agent-token").line());
            assertEquals(Verdict.INFO, only(r, "ecs-metadata").verdict());
        }
        var registered = server.events().stream().filter(AgentEvent.WorkerRegistered.class::isInstance)
                .map(AgentEvent.WorkerRegistered.class::cast).toList();
        assertEquals(1, registered.size());
        assertTrue(registered.getFirst().agentName().startsWith("holdline-doctor-"), "an agent name nobody dispatches to");
        assertTrue(server.events().stream().anyMatch(e -> e instanceof AgentEvent.WorkerDisconnected d
                && d.workerId().equals(registered.getFirst().workerId())));
    }

    @Test
    void withoutAStunTargetUdpIsAWarningThatSaysWhy() {
        DoctorReport r = run(Map.of());
        assertFalse(r.failed(), r.findings().toString());
        Finding udp = only(r, "ice-udp");
        assertEquals(Verdict.WARN, udp.verdict());
        assertTrue(udp.message().contains("answer only the ICE checks") && udp.message().contains("--stun"), udp.line());
        Finding drain = only(r, "drain-config");
        assertEquals(Verdict.WARN, drain.verdict(), "no stop timeout known");
        assertTrue(drain.message().contains("at least 310s"), drain.line());
    }

    @Test
    void aWrongSecretFailsTheTokenCheckWithoutShowingTheSecret() {
        String wrong = "not-the-right-secret-4242";
        DoctorReport r = run(server.httpUrl(), wrong, Map.of(), Optional.empty(), Clock.systemUTC());
        assertTrue(r.failed());
        assertEquals(Verdict.PASS, only(r, "livekit-http").verdict());
        Finding token = only(r, "agent-token");
        assertEquals(Verdict.FAIL, token.verdict());
        assertTrue(token.message().startsWith("LiveKit rejected the agent token for API key 'devkey' (HTTP 401"), token.line());
        assertTrue(token.message().contains("Fix: LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be a key pair"), token.line());
        assertTrue(r.findings().stream().noneMatch(f -> f.message().contains(wrong) || f.message().contains(Fixture.SECRET)));
    }

    @Test
    void aClosedPortFailsReachabilityAndSkipsWhatNeedsIt() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        DoctorReport r = run("http://127.0.0.1:" + closed, Fixture.SECRET, Map.of(), Optional.empty(), Clock.systemUTC());
        assertTrue(r.failed());
        Finding http = only(r, "livekit-http");
        assertEquals(Verdict.FAIL, http.verdict());
        assertEquals("cannot connect to 127.0.0.1:" + closed + " (connection refused): nothing listens there. Fix: check"
                + " LIVEKIT_URL's host and port, and that the LiveKit server is running.", http.message());
        assertEquals(Verdict.SKIP, only(r, "websocket").verdict());
        assertEquals(Verdict.SKIP, only(r, "agent-token").verdict());
        assertEquals(Verdict.SKIP, only(r, "clock").verdict());
    }

    @Test
    void aMisalignedDrainConfigFailsWithTheWorkersOwnMessage() throws Exception {
        Path file = dir.resolve("profiles.yaml");
        Files.writeString(file, """
                default_profile: support
                profiles:
                  support: { drain_timeout: 120s, wrap_up_notice: 20s }
                """);
        DoctorReport r = run(Map.of("HOLDLINE_PROFILES", file.toString(), "HOLDLINE_STOP_TIMEOUT", "100s"));
        assertTrue(r.failed());
        assertEquals("Unsafe drain configuration: profile 'support' drain_timeout 120s + safety margin 10s = 130s exceeds"
                + " HOLDLINE_STOP_TIMEOUT 100s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                + " and HOLDLINE_STOP_TIMEOUT to at least 130s, or lower 'support' drain_timeout to at most 90s.",
                only(r, "drain-config").message());
        assertEquals(Verdict.FAIL, only(r, "drain-config").verdict());
        assertEquals(Verdict.PASS, only(r, "agent-token").verdict(), "the rest still runs");
    }

    @Test
    void aClockAMinuteAheadFailsAndAFewSecondsWarn() {
        DoctorReport ahead = run(server.httpUrl(), Fixture.SECRET, Map.of(), Optional.empty(),
                Clock.offset(Clock.systemUTC(), Duration.ofSeconds(120)));
        Finding f = only(ahead, "clock");
        assertEquals(Verdict.FAIL, f.verdict(), f.line());
        assertTrue(f.message().contains("rejected as not yet valid"), f.line());
        DoctorReport off = run(server.httpUrl(), Fixture.SECRET, Map.of(), Optional.empty(),
                Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-20)));
        assertEquals(Verdict.WARN, only(off, "clock").verdict(), only(off, "clock").line());
    }

    @Test
    void aStunTargetThatRefusesUdpFails() throws Exception {
        int closed;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            closed = s.getLocalPort();
        }
        DoctorReport r = run(server.httpUrl(), Fixture.SECRET, Map.of(), Optional.of("127.0.0.1:" + closed), Clock.systemUTC());
        Finding udp = only(r, "ice-udp");
        assertEquals(Verdict.FAIL, udp.verdict(), udp.line());
        assertTrue(udp.message().contains("refused UDP (ICMP port unreachable)") || udp.message().contains("no STUN answer"),
                udp.line());
    }

    @Test
    void onEcsItReadsTheTaskAndFailsWhenTheTaskRoleMayNotUseTaskProtection() throws Exception {
        try (FakeTaskMetadata metadata = FakeTaskMetadata.start("arn:aws:ecs:us-east-1:111122223333:cluster/voice",
                "arn:aws:ecs:us-east-1:111122223333:task/voice/0123", "holdline", "7", "EC2", "holdline-workers");
             FakeEcsAgentEndpoint agent = FakeEcsAgentEndpoint.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("ECS_CONTAINER_METADATA_URI_V4", metadata.uri().toString());
            env.put("ECS_AGENT_URI", agent.uri().toString());
            env.put("HOLDLINE_STOP_TIMEOUT", "310s");
            DoctorReport ok = run(env);
            assertEquals(Verdict.PASS, only(ok, "ecs-metadata").verdict(), only(ok, "ecs-metadata").line());
            assertTrue(only(ok, "ecs-metadata").message().contains("service holdline-workers"));
            assertEquals(Verdict.PASS, only(ok, "task-protection").verdict(), only(ok, "task-protection").line());
            assertFalse(agent.enabled(), "the doctor only reads protection");

            agent.replyErrorNext(400, "AccessDeniedException", "User is not authorized to perform: ecs:GetTaskProtection");
            DoctorReport denied = run(env);
            Finding f = only(denied, "task-protection");
            assertEquals(Verdict.FAIL, f.verdict(), f.line());
            assertTrue(f.message().startsWith("access denied: the task role lacks ecs:GetTaskProtection")
                    && f.message().contains("Fix: allow ecs:UpdateTaskProtection and ecs:GetTaskProtection"), f.line());
        }
    }

    @Test
    void onFargateALongDrainFails() throws Exception {
        try (FakeTaskMetadata metadata = FakeTaskMetadata.start("arn:aws:ecs:us-east-1:111122223333:cluster/voice",
                "arn:aws:ecs:us-east-1:111122223333:task/voice/0123", "holdline", "7", "FARGATE", "holdline-workers")) {
            DoctorReport r = run(Map.of("ECS_CONTAINER_METADATA_URI_V4", metadata.uri().toString()));
            Finding f = only(r, "drain-config");
            assertEquals(Verdict.FAIL, f.verdict());
            assertTrue(f.message().contains("exceeds Fargate's 120s stopTimeout cap"), f.line());
        }
    }
}
