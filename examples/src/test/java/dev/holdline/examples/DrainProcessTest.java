package dev.holdline.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.WorkerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM drains a real worker process: calls finish, nothing new is taken, exit 0 right after the last. */
class DrainProcessTest {
    private static final String SECRET = "drain-test-secret-1234";

    @TempDir
    Path dir;
    private DevServer server;
    private ChildJvm child;
    /** job id → when the dev server heard its final status (System.nanoTime()). */
    private final Map<String, Long> endedAt = new ConcurrentHashMap<>();

    @BeforeEach
    void startServer() {
        server = DevServer.builder().port(0).key("devkey", SECRET).build().start();
        server.addListener(e -> {
            if (e instanceof AgentEvent.JobStatusUpdated u
                    && (u.status() == JobStatus.JS_SUCCESS || u.status() == JobStatus.JS_FAILED)) {
                endedAt.putIfAbsent(u.jobId(), System.nanoTime());
            }
        });
    }

    @AfterEach
    void stopAll() throws Exception {
        if (child != null) {
            child.close();
        }
        server.close();
    }

    private Path profiles(String yaml) throws Exception {
        Path file = dir.resolve("profiles.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private ChildJvm startWorker(Path profileFile, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey",
                "LIVEKIT_API_SECRET", SECRET, "HOLDLINE_PROFILES", profileFile.toString()));
        env.putAll(extraEnv);
        child = ChildJvm.start(env, "start", "--agent", "hold", "--health-port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> workerId().isPresent());
        return child;
    }

    private Optional<String> workerId() {
        return server.events().stream().filter(e -> e instanceof AgentEvent.WorkerRegistered r && r.agentName().equals("hold"))
                .map(e -> ((AgentEvent.WorkerRegistered) e).workerId()).findFirst();
    }

    private String dispatch(String room, double seconds, String profile) {
        String id = server.createDispatch(room, "hold",
                "{\"seconds\": " + seconds + ", \"profile\": \"" + profile + "\"}").getId();
        return id;
    }

    private JobView job(String dispatchId) {
        return server.jobs().stream().filter(j -> j.dispatchId().equals(dispatchId)).findFirst().orElseThrow();
    }

    /**
     * Until each job's handler runs: the server says JS_RUNNING from the assignment on, but in a
     * session host the handler starts only once the host has attached (seconds, on a busy machine).
     */
    private void awaitRunning(String... dispatchIds) {
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of(dispatchIds).stream().allMatch(d ->
                server.jobs().stream().anyMatch(j -> j.dispatchId().equals(d) && j.status() == JobStatus.JS_RUNNING
                        && child.hasLine("Session started: job " + j.jobId()))));
    }

    private static final String THREE_PROFILES = """
            safety_margin: 5s
            default_profile: default
            profiles:
              support:
                drain_timeout: 30s
                wrap_up_notice: 5s
                match: { metadata: { profile: support } }
              scheduling:
                drain_timeout: 20s
                wrap_up_notice: 5s
                match: { metadata: { profile: scheduling } }
              default:
                drain_timeout: 10s
                wrap_up_notice: 2s
            """;

    @Test
    void afterSigtermNothingNewIsTakenSessionsFinishAndTheProcessExitsRightAfterTheLast() throws Exception {
        startWorker(profiles(THREE_PROFILES), Map.of("HOLDLINE_STOP_TIMEOUT", "60s"));
        String a = dispatch("room-support", 2.0, "support");
        String b = dispatch("room-scheduling", 2.5, "scheduling");
        String c = dispatch("room-default", 3.0, "default");
        awaitRunning(a, b, c);
        String workerId = workerId().orElseThrow();
        int eventsBefore = server.events().size();

        child.signal("TERM");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.events().stream().skip(eventsBefore).anyMatch(e ->
                e instanceof AgentEvent.StatusUpdated s && s.workerId().equals(workerId) && s.status() == WorkerStatus.WS_FULL));

        // A server that routes before it sees WS_FULL still gets a "no".
        server.offerToFullWorkers(true);
        String late = dispatch("room-late", 1.0, "default");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.events().stream().anyMatch(e ->
                e instanceof AgentEvent.OfferAnswered o && o.jobId().equals(job(late).jobId())));
        assertTrue(server.events().stream().noneMatch(e -> e instanceof AgentEvent.OfferAnswered o
                && o.jobId().equals(job(late).jobId()) && o.available()), "an offer was accepted after SIGTERM");
        server.offerToFullWorkers(false);

        assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
        for (String d : List.of(a, b, c)) {
            assertEquals(JobStatus.JS_SUCCESS, job(d).status(), "every call finished on its own: " + job(d));
        }
        long lastEnd = List.of(a, b, c).stream().mapToLong(d -> endedAt.get(job(d).jobId())).max().orElseThrow();
        long exitLagMs = (child.exitedAtNanos.join() - lastEnd) / 1_000_000;
        assertTrue(exitLagMs <= 1000, "exited " + exitLagMs + " ms after the last session ended");
        assertTrue(child.hasLine("Drain complete in") && child.hasLine("3 session(s) finished on their own, 0 ended at their deadline"),
                child.text());
        assertEquals(3, child.output.stream().filter(l -> l.contains("draining: holding on until it is done or")).count(),
                "every handler heard onDraining\n" + child.text());
        assertTrue(child.hasLine("(profile 'support')") && child.hasLine("(profile 'scheduling')")
                && child.hasLine("(profile 'default')"), child.text());
    }

    @Test
    void aSessionThatOutlivesItsProfileGetsItsWrapUpThenEndsAtItsDeadline() throws Exception {
        startWorker(profiles("""
                safety_margin: 1s
                default_profile: default
                profiles:
                  short:
                    drain_timeout: 3s
                    wrap_up_notice: 1s
                    match: { metadata: { profile: short } }
                  default:
                    drain_timeout: 20s
                    wrap_up_notice: 5s
                """), Map.of());
        String outliver = dispatch("room-long", 60, "short");
        String other = dispatch("room-other", 4.5, "default");
        awaitRunning(outliver, other);

        long sigterm = System.nanoTime();
        child.signal("TERM");
        assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));

        JobView cut = job(outliver);
        assertEquals(JobStatus.JS_FAILED, cut.status());
        assertEquals("ended at its drain deadline (profile 'short')", cut.error());
        long endMs = (endedAt.get(cut.jobId()) - sigterm) / 1_000_000;
        System.out.println("DEADLINE PRECISION: ended " + endMs + " ms after SIGTERM (deadline 3000 ms)");
        assertTrue(Math.abs(endMs - 3000) <= 250, "ended " + endMs + " ms after SIGTERM, deadline was 3000 ms");
        assertTrue(child.hasLine("Job " + cut.jobId() + " wrap-up notice"), child.text());
        assertEquals(JobStatus.JS_SUCCESS, job(other).status(), "the other session was untouched");
        assertTrue(child.hasLine("1 session(s) finished on their own, 1 ended at their deadline"), child.text());
    }

    @Test
    void aRepeatedSigtermChangesNothing() throws Exception {
        startWorker(profiles(THREE_PROFILES), Map.of());
        String d = dispatch("room-1", 2.0, "default");
        awaitRunning(d);
        child.signal("TERM");
        await().atMost(Duration.ofSeconds(5)).until(() -> child.hasLine("SIGTERM: draining"));
        child.signal("TERM");
        await().atMost(Duration.ofSeconds(5)).until(() -> child.hasLine("SIGTERM again"));
        assertEquals(0, child.awaitExit(Duration.ofSeconds(15)));
        assertEquals(JobStatus.JS_SUCCESS, job(d).status());
    }

    @Test
    void aSecondSigintExitsAtOnceWith130() throws Exception {
        startWorker(profiles(THREE_PROFILES), Map.of());
        awaitRunning(dispatch("room-1", 60, "default"));
        child.signal("INT");
        await().atMost(Duration.ofSeconds(5)).until(() -> child.hasLine("SIGINT: draining"));
        child.signal("INT");
        assertEquals(130, child.awaitExit(Duration.ofSeconds(10)));
    }

    @Test
    void sigtermWithNoSessionsExitsWithinOneSecond() throws Exception {
        startWorker(profiles(THREE_PROFILES), Map.of());
        long sent = System.nanoTime();
        child.signal("TERM");
        assertEquals(0, child.awaitExit(Duration.ofSeconds(10)));
        long ms = (child.exitedAtNanos.join() - sent) / 1_000_000;
        assertTrue(ms <= 1000, "exit took " + ms + " ms");
        assertTrue(child.hasLine("0 session(s) finished on their own, 0 ended at their deadline"), child.text());
    }

    @Test
    void sigtermWhileStillConnectingExitsCleanly() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        child = ChildJvm.start(Map.of("LIVEKIT_URL", "http://127.0.0.1:" + closedPort, "LIVEKIT_API_KEY", "devkey",
                "LIVEKIT_API_SECRET", SECRET), "start", "--agent", "hold", "--health-port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> child.hasLine("Connecting to LiveKit at"));
        long sent = System.nanoTime();
        child.signal("TERM");
        assertEquals(0, child.awaitExit(Duration.ofSeconds(10)));
        assertTrue((child.exitedAtNanos.join() - sent) / 1_000_000 <= 1000, child.text());
        assertFalse(child.hasLine("Registered with LiveKit"));
    }

    @Test
    void theServerDisappearingDuringTheDrainDoesNotStopIt() throws Exception {
        startWorker(profiles(THREE_PROFILES), Map.of());
        String d = dispatch("room-1", 3.0, "default");
        awaitRunning(d);
        String jobId = job(d).jobId();
        child.signal("TERM");
        await().atMost(Duration.ofSeconds(5)).until(() -> child.hasLine("SIGTERM: draining"));
        server.close();
        assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
        assertTrue(child.hasLine("Session ended: job " + jobId + " (HANDLER_RETURNED, JS_SUCCESS)"), child.text());
        assertTrue(child.hasLine("1 session(s) finished on their own"), child.text());
    }

    @Test
    void theDrainWorksWhenTheJvmIsPid1() throws Exception {
        // A container's exec-form ENTRYPOINT makes the JVM PID 1, where the kernel delivers only
        // signals the process handles. A new PID namespace reproduces that here.
        List<String> unshare = List.of("unshare", "--pid", "--fork", "--mount-proc", "--");
        boolean canUnshare;
        try {
            canUnshare = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true")
                    .redirectErrorStream(true).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            canUnshare = false;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(canUnshare,
                "skipped: 'unshare --pid --fork --mount-proc' is not available here (needs util-linux and root)");
        Path file = profiles(THREE_PROFILES);
        child = ChildJvm.startUnder(unshare, Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey",
                "LIVEKIT_API_SECRET", SECRET, "HOLDLINE_PROFILES", file.toString()), "start", "--agent", "hold", "--health-port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> workerId().isPresent());
        ProcessHandle jvm = child.process.descendants().filter(h -> h.info().command().orElse("").endsWith("java"))
                .findFirst().orElseThrow();
        String d = dispatch("room-pid1", 1.5, "default");
        awaitRunning(d);
        child.signal("TERM", jvm);
        assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
        assertEquals(JobStatus.JS_SUCCESS, job(d).status());
        assertTrue(child.hasLine("SIGTERM: draining") && child.hasLine("1 session(s) finished on their own"), child.text());
    }
}
