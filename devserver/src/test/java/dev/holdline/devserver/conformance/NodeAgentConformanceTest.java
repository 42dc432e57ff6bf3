package dev.holdline.devserver.conformance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conformance with LiveKit's own code: the official {@code @livekit/agents} Node worker (npm)
 * registers with the dev server's {@code /agent} endpoint and receives a job created through
 * {@code livekit-server-sdk}'s {@code AgentDispatchClient} (Twirp {@code CreateDispatch}).
 *
 * <p>The Node side lives in {@code src/test/node} (pinned in its package-lock.json); install it
 * with {@code npm ci --prefix devserver/src/test/node} (or {@code src/test/node/install.sh}).
 * The test is skipped only when node/npm are missing or the packages are not installed.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class NodeAgentConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String API_KEY = "devkey";
    private static final String API_SECRET = "conformance-secret-0123456789abcdef";
    private static final String AGENT_NAME = "holdline-node-conformance";

    private Path nodeDir;

    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    private final Set<ProcessHandle> seenProcesses = new LinkedHashSet<>();
    private DevServer server;
    private NodeProcess worker;

    // Checked per test, not in @BeforeAll: Surefire reports a class aborted in @BeforeAll as
    // "Tests run: 0" with no reason, while a test aborted here shows as skipped with the reason.
    @BeforeEach
    void requireNodeAndPackages() {
        nodeDir = NodeDirs.locate();
        skipUnless(NodeProcess.commandWorks("node", "--version"),
                "node is not on PATH: the Node conformance test needs Node.js >= 20 and npm");
        skipUnless(NodeProcess.commandWorks("npm", "--version"),
                "npm is not on PATH: the Node conformance test needs Node.js >= 20 and npm");
        skipUnless(NodeProcess.isInstalled(nodeDir, "@livekit/agents")
                        && NodeProcess.isInstalled(nodeDir, "livekit-server-sdk"),
                "npm packages not installed in " + nodeDir + ": run npm ci --prefix devserver/src/test/node");
    }

    /** An assumption whose reason also reaches the console (Surefire prints only "Skipped: 1"). */
    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("[NodeAgentConformanceTest] SKIPPED: " + reason);
        }
        assumeTrue(condition, reason);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (worker != null) {
                seenProcesses.addAll(worker.tree());
                worker.close();
                List<ProcessHandle> left = NodeProcess.alive(seenProcesses);
                assertTrue(left.isEmpty(), "Node processes left running after teardown: " + left);
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void officialNodeWorkerRegistersAndReceivesJobCreatedThroughServerSdk() throws Exception {
        server = DevServer.builder().host("127.0.0.1").port(0).key(API_KEY, API_SECRET).build().start();
        server.addListener(event -> {
            events.add(event);
            System.out.println("[devserver event] " + event);
        });

        worker = NodeProcess.start("agent-worker", nodeDir, Map.of(
                "LIVEKIT_URL", server.wsUrl(),
                "LIVEKIT_API_KEY", API_KEY,
                "LIVEKIT_API_SECRET", API_SECRET,
                "LIVEKIT_AGENT_NAME", AGENT_NAME,
                "HOLDLINE_EXIT_ON_STDIN_EOF", "1",
                "LOG_LEVEL", "info"), "agent-worker.mjs");

        // 1. Registration, seen by the server (and by the worker, which prints the id it was given).
        AgentEvent.WorkerRegistered registered = awaitEvent("WorkerRegistered for " + AGENT_NAME,
                AgentEvent.WorkerRegistered.class, e -> AGENT_NAME.equals(e.agentName()));
        String workerId = registered.workerId();
        assertTrue(server.workers().stream().anyMatch(w -> w.workerId().equals(workerId)
                        && AGENT_NAME.equals(w.agentName()) && w.connected()),
                () -> "server.workers() does not list worker " + workerId + " as connected: " + server.workers());
        String nodeWorkerId = awaitLine(worker, "REGISTERED");
        assertEquals(workerId, nodeWorkerId, "worker id in RegisterWorkerResponse as seen by the Node worker");

        // 2. A dispatch through LiveKit's own Twirp client, right after registration (the Node
        //    worker sends its first UpdateWorkerStatus only ~5 s after registering).
        String room = "conformance-room-" + UUID.randomUUID().toString().substring(0, 8);
        String dispatchId;
        try (NodeProcess dispatch = NodeProcess.start("create-dispatch", nodeDir, Map.of(
                "LIVEKIT_URL", server.httpUrl(),
                "LIVEKIT_API_KEY", API_KEY,
                "LIVEKIT_API_SECRET", API_SECRET), "create-dispatch.mjs", room, AGENT_NAME)) {
            int exit = dispatch.awaitExit(WAIT);
            assertEquals(0, exit, () -> "create-dispatch.mjs failed:\n" + dispatch.output());
            dispatchId = dispatch.tagged("DISPATCH_CREATED")
                    .orElseThrow(() -> new AssertionError("no DISPATCH_CREATED line:\n" + dispatch.output()));
        }

        // 3. The server made a job for that dispatch and offered it to the Node worker.
        String jobId = await().alias("a job for dispatch " + dispatchId).atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .failFast(this::assertWorkerHealthy)
                .until(() -> server.jobs().stream().filter(j -> dispatchId.equals(j.dispatchId())).findFirst(),
                        Optional::isPresent)
                .orElseThrow().jobId();
        awaitEvent("OfferSent of " + jobId + " to " + workerId, AgentEvent.OfferSent.class,
                e -> jobId.equals(e.jobId()) && workerId.equals(e.workerId()));

        // 4. The Node worker answered available=true (seen on both sides) and the server assigned it.
        AgentEvent.OfferAnswered answered = awaitEvent("OfferAnswered for " + jobId,
                AgentEvent.OfferAnswered.class, e -> jobId.equals(e.jobId()));
        assertEquals(workerId, answered.workerId(), "worker that answered the offer");
        assertTrue(answered.available(), () -> "the Node worker should accept the job: " + answered);
        assertEquals("available=true", awaitLine(worker, "ANSWERED " + jobId),
                "AvailabilityResponse as sent by the Node worker");

        AgentEvent.JobAssigned assigned = awaitEvent("JobAssigned for " + jobId,
                AgentEvent.JobAssigned.class, e -> jobId.equals(e.jobId()));
        assertEquals(workerId, assigned.workerId(), "worker the job was assigned to");
        // @livekit/agents' JobRequest.accept() defaults the identity to "agent-<job id>".
        assertEquals("agent-" + jobId, assigned.participantIdentity(), "participant identity of the agent");

        // 5. The Node worker launched the job: its entry function ran in a forked job process.
        seenProcesses.addAll(worker.tree());
        assertEquals(room, awaitLine(worker, "JOB_RECEIVED " + jobId), "room of the job the Node worker received");
        seenProcesses.addAll(worker.tree());
        String token = awaitTokenLine();
        assertEquals(assigned.participantIdentity() + " " + room, token,
                "JobAssignment token (verified with the API secret by livekit-server-sdk): identity and room");

        // 6. The job as the server records it, and a clean protocol run.
        var job = server.jobs().stream().filter(j -> jobId.equals(j.jobId())).findFirst().orElseThrow();
        assertEquals(room, job.room(), "room of " + job);
        assertEquals(AGENT_NAME, job.agentName(), "agent name of " + job);
        assertEquals(workerId, job.workerId(), "worker of " + job);
        assertEquals(assigned.participantIdentity(), job.participantIdentity(), "participant identity of " + job);
        assertEquals(List.of(), events.stream().filter(e -> e instanceof AgentEvent.ProtocolError
                        || e instanceof AgentEvent.AuthRejected
                        || e instanceof AgentEvent.OfferTimedOut
                        || e instanceof AgentEvent.JobUnassigned
                        || e instanceof AgentEvent.WorkerDisconnected).toList(),
                "the dev server should report no protocol error, auth rejection, offer timeout, "
                        + "unassigned job or disconnect while talking to the official worker");
        assertEquals(1, events.stream().filter(AgentEvent.WorkerRegistered.class::isInstance).count(),
                () -> "the Node worker should register exactly once (a second registration means the "
                        + "server dropped its connection): " + events);
        assertTrue(worker.isAlive(), "the Node worker should still be running");
        assertTrue(server.workers().stream().anyMatch(w -> w.workerId().equals(workerId) && w.connected()),
                () -> "the Node worker should still be connected: " + server.workers());
    }

    /**
     * Fails an Awaitility wait early when the Node worker exited or logged that it could not
     * connect or lost its connection (it would otherwise retry with backoff until the wait ends).
     */
    private void assertWorkerHealthy() {
        if (worker == null) {
            return;
        }
        if (!worker.isAlive()) {
            throw new AssertionError("the Node worker exited; output:\n" + worker.output());
        }
        worker.line(l -> l.contains("failed to connect to LiveKit server")
                        || l.contains("worker connection closed unexpectedly"))
                .ifPresent(l -> {
                    throw new AssertionError("the Node worker lost or could not open its /agent connection: " + l);
                });
    }

    /** Waits for the JobAssignment token check line the job entry prints after JOB_RECEIVED. */
    private String awaitTokenLine() {
        await().alias("JOB_TOKEN or JOB_TOKEN_INVALID from the Node job").atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .failFast(this::assertWorkerHealthy)
                .until(() -> worker.line(l -> l.startsWith("JOB_TOKEN")).isPresent());
        worker.tagged("JOB_TOKEN_INVALID").ifPresent(reason -> {
            throw new AssertionError("the JobAssignment token does not verify with the API key/secret: " + reason);
        });
        return worker.tagged("JOB_TOKEN").orElseThrow();
    }

    private <E extends AgentEvent> E awaitEvent(String what, Class<E> type, java.util.function.Predicate<E> matcher) {
        return await().alias(what).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .failFast(this::assertWorkerHealthy)
                .until(() -> events.stream().filter(type::isInstance).map(type::cast).filter(matcher).findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }

    private static String awaitLine(NodeProcess process, String tag) {
        return await().alias("'" + tag + " ...' from " + process.name()).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .failFast(process.name() + " exited", () -> !process.isAlive())
                .until(() -> process.tagged(tag), Optional::isPresent)
                .orElseThrow();
    }
}
