package dev.holdline.worker.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.scheduler.hosts.HostPool;
import dev.holdline.worker.ProcessStats;
import dev.holdline.worker.Worker;
import dev.holdline.worker.host.HostOptions;
import dev.holdline.worker.host.HostedSessions;
import dev.holdline.worker.host.ScriptedHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Session hosts, measured: warm-host session start latency as the server sees it (JobAssignment
 * sent → JS_RUNNING received, i.e. the host's handler thread is about to call the handler),
 * p50/p99 over 60 sequential sessions on an attached host; the host JVM's RSS at rest; and its RSS
 * per additional (media-less) session, holding 16 sessions on one host. Run:
 * {@code ./mvnw -B -Pbench -pl worker -am verify -Dtest=SessionHostBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class SessionHostBenchmark {
    private static final String SECRET = "bench-secret-0123456789";
    private final Map<String, Long> assignedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> runningAt = new ConcurrentHashMap<>();

    @Test
    void warmStartLatencyAndHostMemory() throws Exception {
        try (DevServer server = DevServer.builder().port(0).key("devkey", SECRET).build().start()) {
            server.addListener(e -> {
                if (e instanceof AgentEvent.JobAssigned a) {
                    assignedAt.put(a.jobId(), System.nanoTime());
                } else if (e instanceof AgentEvent.JobStatusUpdated u && u.status() == JobStatus.JS_RUNNING) {
                    runningAt.putIfAbsent(u.jobId(), System.nanoTime());
                }
            });
            try (Worker w = Worker.builder().env(Map.of()).url(server.httpUrl()).apiKey("devkey").apiSecret(SECRET)
                    .agentName("bench").handlerClass(ScriptedHandler.class).healthPort(-1)
                    .loadThreshold(Double.POSITIVE_INFINITY).maxSessions(32)
                    .sessionHosts(HostOptions.builder().sessionsPerHost(16).recycleAfter(10_000).warmHosts(1)
                            .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(10)).startTimeout(Duration.ofSeconds(90)).build())
                    .build()) {
                w.start();
                assertTrue(w.awaitRegistered(Duration.ofSeconds(30)));
                await().atMost(Duration.ofSeconds(90)).until(() ->
                        w.sessionHosts().stream().anyMatch(h -> h.state() == HostPool.State.READY));
                HostedSessions.HostView host = w.sessionHosts().getFirst();

                // Warm-up, then the measured sessions, one at a time.
                List<Long> latencies = new ArrayList<>();
                for (int i = 0; i < 80; i++) {
                    String jobId = server.createDispatch("bench-" + i, "bench", "quick").getId();
                    await().atMost(Duration.ofSeconds(30)).until(() -> server.jobs().stream().anyMatch(j ->
                            j.dispatchId().equals(jobId) && j.status() == JobStatus.JS_SUCCESS));
                    String job = server.jobs().stream().filter(j -> j.dispatchId().equals(jobId)).findFirst().orElseThrow().jobId();
                    if (i >= 20) {
                        latencies.add(runningAt.get(job) - assignedAt.get(job));
                    }
                }
                latencies.sort(null);
                System.out.printf("Warm-host session start (assignment -> handler running), %d sessions: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        latencies.size(), latencies.get(latencies.size() / 2) / 1e6,
                        latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1) / 1e6, latencies.getLast() / 1e6);

                long rest = ProcessStats.rssMb(host.pid());
                System.out.printf("Host JVM RSS at rest (after %d sessions): %d MB%n", 80, rest);
                List<String> held = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    held.add(server.createDispatch("hold-" + i, "bench", "hold").getId());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> held.stream().allMatch(d -> server.jobs().stream()
                        .anyMatch(j -> j.dispatchId().equals(d) && j.status() == JobStatus.JS_RUNNING)));
                long busy = ProcessStats.rssMb(host.pid());
                System.out.printf("Host JVM RSS with 16 sessions held (no media): %d MB, %.2f MB per additional session%n",
                        busy, (busy - rest) / 16.0);
            }
        }
    }
}
