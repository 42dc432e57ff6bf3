package dev.holdline.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runnable worker as a real child JVM: {@code start --agent hold}, a job, SIGTERM, exit 0. */
class WorkerProcessTest {
    private static final String SECRET = "process-test-secret-42";
    private final List<Process> processes = new ArrayList<>();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final List<Thread> readers = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Waits for the process to exit and for all its output to be read. */
    private int exitOf(Process p) throws InterruptedException {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the process did not exit");
        for (Thread t : readers) {
            t.join(Duration.ofSeconds(5));
        }
        return p.exitValue();
    }

    private Process spawn(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LIVEKIT_URL");
        pb.environment().remove("LIVEKIT_API_KEY");
        pb.environment().remove("LIVEKIT_API_SECRET");
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        readers.add(Thread.ofPlatform().daemon().name("child-output").start(() -> {
            try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    System.out.println("[worker] " + line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }));
        return p;
    }

    @Test
    void startRunsAJobAndSigtermDrainsToExitZero() throws Exception {
        try (DevServer server = DevServer.builder().port(0).key("devkey", SECRET).build().start()) {
            Process worker = spawn(Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey",
                    "LIVEKIT_API_SECRET", SECRET), "start", "--agent", "hold", "--health-port", "0");
            await().atMost(Duration.ofSeconds(20)).until(() -> server.events().stream()
                    .anyMatch(e -> e instanceof AgentEvent.WorkerRegistered r && r.agentName().equals("hold")));
            server.createDispatch("room-p", "hold", "{\"seconds\": 0.5}");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.jobs().stream()
                    .anyMatch(j -> j.room().equals("room-p") && j.status() == JobStatus.JS_SUCCESS));

            // SIGTERM through the handle: Process.destroy() would also close our end of its output.
            assertTrue(worker.toHandle().destroy());
            assertEquals(0, exitOf(worker));
            assertTrue(output.stream().anyMatch(l -> l.contains("SIGTERM: draining")), String.join("\n", output));
            assertTrue(output.stream().noneMatch(l -> l.contains(SECRET)), "the secret was printed");
        }
    }

    @Test
    void anUnknownAgentIsRefusedWithTheKnownNames() throws Exception {
        Process p = spawn(Map.of(), "start", "--agent", "nope");
        assertEquals(2, exitOf(p));
        assertTrue(output.contains("Unknown agent 'nope'. Known agents: echo, hold, tone"), String.join("\n", output));
    }

    @Test
    void startWithoutALiveKitUrlNamesTheSetting() throws Exception {
        Process p = spawn(Map.of(), "start", "--agent", "hold");
        assertEquals(2, exitOf(p));
        assertTrue(output.contains("Cannot start: LiveKit URL is not set: set LIVEKIT_URL (for example wss://livekit.example.com)"),
                String.join("\n", output));
    }

    @Test
    void devModeStartsItsOwnServerLogsAtDebugAndDrainsOnCtrlC() throws Exception {
        Process p = spawn(Map.of(), "dev", "--agent", "hold", "--dev-server-port", "0", "--health-port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> output.stream().anyMatch(l -> l.contains("Registered with LiveKit")));
        assertTrue(output.stream().anyMatch(l -> l.contains("Started the embedded dev server at http://127.0.0.1:")),
                String.join("\n", output));
        int healthPort = output.stream().filter(l -> l.contains("Health endpoint on http://"))
                .map(l -> l.replaceAll(".*:(\\d+)/.*", "$1")).map(Integer::parseInt).findFirst().orElseThrow();
        try (HttpClient http = HttpClient.newHttpClient()) {
            String doc = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/worker")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(doc.contains("\"state\":\"READY\"") && doc.contains("\"load_threshold\":null"), doc);
        }
        assertTrue(output.stream().anyMatch(l -> l.contains(" DEBUG ")), "dev mode logs at DEBUG");

        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertEquals(0, exitOf(p), "Ctrl-C with no sessions drains at once and exits 0");
        assertTrue(output.stream().anyMatch(l -> l.contains("SIGINT: draining")), String.join("\n", output));
    }
}
