package dev.holdline.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.worker.telemetry.ProcFs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor as a real process ({@code start}, which runs sessions in session hosts) and its
 * hosts as its children: no host outlives a SIGKILLed supervisor, and SIGTERM drains through the
 * hosts to a clean exit of every process.
 */
class SessionHostProcessTest {
    private static final String SECRET = "hosts-test-secret-12345";

    private final DevServer server = DevServer.builder().port(0).key("devkey", SECRET).build().start();
    private ChildJvm child;

    @AfterEach
    void stopAll() throws Exception {
        if (child != null) {
            child.close();
        }
        server.close();
    }

    private void startSupervisor() {
        try {
            child = ChildJvm.start(Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey",
                    "LIVEKIT_API_SECRET", SECRET), "start", "--agent", "hold", "--health-port", "0", "--sessions-per-host", "1", "--session-hosts");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> server.events().stream()
                .anyMatch(e -> e instanceof AgentEvent.WorkerRegistered r && r.agentName().equals("hold")));
    }

    /** The hosts the supervisor says it started ("Started session host N (pid P)"). */
    private List<ProcessHandle> hosts() {
        var started = java.util.regex.Pattern.compile("Started session host \\d+ \\(pid (\\d+)\\).*");
        return child.output.stream().map(ChildJvm::message).map(started::matcher).filter(java.util.regex.Matcher::matches)
                .map(m -> ProcessHandle.of(Long.parseLong(m.group(1)))).flatMap(java.util.Optional::stream).toList();
    }

    private void awaitRunning(List<String> dispatchIds) {
        await().atMost(Duration.ofSeconds(90)).until(() -> dispatchIds.stream().allMatch(d ->
                server.jobs().stream().anyMatch(j -> j.dispatchId().equals(d) && j.status() == JobStatus.JS_RUNNING)));
    }

    private JobStatus status(String dispatchId) {
        return server.jobs().stream().filter(j -> j.dispatchId().equals(dispatchId)).findFirst().orElseThrow().status();
    }

    @Test
    void everyHostExitsWithinTwoSecondsOfASigkilledSupervisor() throws Exception {
        startSupervisor();
        List<String> calls = List.of(server.createDispatch("room-k1", "hold", "{\"seconds\": 120}").getId(),
                server.createDispatch("room-k2", "hold", "{\"seconds\": 120}").getId());
        awaitRunning(calls);
        // Two busy hosts and the warm one.
        await().atMost(Duration.ofSeconds(60)).until(() -> hosts().size() >= 3);
        List<ProcessHandle> hosts = hosts();

        child.signal("KILL");
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> hosts.stream().allMatch(SessionHostProcessTest::exited));
        long millis = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("All %d session hosts exited %d ms after the supervisor was SIGKILLed%n", hosts.size(), millis);
        assertTrue(millis <= 2000, "hosts outlived their supervisor by " + millis + " ms");
    }

    @Test
    void sigtermDrainsThroughTheHostsAndEveryProcessExitsZero() throws Exception {
        startSupervisor();
        List<String> calls = List.of(server.createDispatch("room-d1", "hold", "{\"seconds\": 4}").getId(),
                server.createDispatch("room-d2", "hold", "{\"seconds\": 4}").getId());
        awaitRunning(calls);
        // K = 1: the two calls run in two hosts.
        await().atMost(Duration.ofSeconds(60)).until(() -> hosts().size() >= 2);
        List<ProcessHandle> hosts = hosts();
        assertTrue(child.hasLine("goes to session host 1") && child.hasLine("goes to session host 2"), child.text());

        child.signal("TERM");
        assertEquals(0, child.awaitExit(Duration.ofSeconds(60)), "supervisor exit status\n" + child.text());
        for (String call : calls) {
            assertEquals(JobStatus.JS_SUCCESS, status(call), "the calls finished on their own");
        }
        assertTrue(hosts.stream().noneMatch(ProcessHandle::isAlive), "no host outlives the drain");
        long cleanExits = child.output.stream().filter(l -> ChildJvm.message(l).matches("Session host \\d+ exited \\(code 0\\)")).count();
        assertTrue(cleanExits >= 2, "every host exited 0:\n" + child.text());
        assertTrue(child.output.stream().noneMatch(l -> ChildJvm.message(l).matches("session host \\d+ exited with code .*")),
                child.text());
    }

    /**
     * Gone, or a zombie: an orphaned host that exited is reparented and waits there until its new
     * parent (PID 1 here, on its own schedule) reaps it, but it has already stopped running.
     */
    private static boolean exited(ProcessHandle h) {
        char state = ProcFs.state(Long.toString(h.pid()));
        return !h.isAlive() || state == 'Z' || state == 'X' || state == 0;
    }
}
