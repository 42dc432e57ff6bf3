package dev.holdline.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Drain precision: for 20 real worker processes, one session each, SIGTERM while the session
 * runs; measures from the session's end (its final status reaching the server) to the process's
 * exit. Prints min/p50/p95/max; target ≤ 1 s. Run: {@code ./mvnw -B -Pbench -pl examples -am verify}.
 */
@Tag("benchmark")
class DrainPrecisionBenchmark {
    private static final int RUNS = 20;

    @Test
    void lastSessionEndToProcessExit() throws Exception {
        long[] lagMicros = new long[RUNS];
        Map<String, Long> endedAt = new ConcurrentHashMap<>();
        try (DevServer server = DevServer.builder().port(0).key("devkey", "bench-secret").build().start()) {
            server.addListener(e -> {
                if (e instanceof AgentEvent.JobStatusUpdated u && u.status() == JobStatus.JS_SUCCESS) {
                    endedAt.putIfAbsent(u.jobId(), System.nanoTime());
                }
            });
            for (int run = 0; run < RUNS; run++) {
                int registeredBefore = (int) server.events().stream().filter(AgentEvent.WorkerRegistered.class::isInstance).count();
                try (ChildJvm child = ChildJvm.start(Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", "devkey",
                        "LIVEKIT_API_SECRET", "bench-secret"), "start", "--agent", "hold", "--health-port", "-1")) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> server.events().stream()
                            .filter(AgentEvent.WorkerRegistered.class::isInstance).count() > registeredBefore);
                    String dispatchId = server.createDispatch("bench-" + run, "hold", "{\"seconds\": 1.0}").getId();
                    await().atMost(Duration.ofSeconds(10)).until(() -> server.jobs().stream()
                            .anyMatch(j -> j.dispatchId().equals(dispatchId) && j.status() == JobStatus.JS_RUNNING));
                    String jobId = server.jobs().stream().filter(j -> j.dispatchId().equals(dispatchId)).findFirst()
                            .orElseThrow().jobId();
                    child.signal("TERM");
                    assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
                    lagMicros[run] = (child.exitedAtNanos.join() - endedAt.get(jobId)) / 1_000;
                }
            }
        }
        long[] sorted = lagMicros.clone();
        Arrays.sort(sorted);
        System.out.printf("%nDRAIN PRECISION BENCHMARK (%d runs): last session end -> process exit%n", RUNS);
        System.out.printf("  min %.0f ms  p50 %.0f ms  p95 %.0f ms  max %.0f ms   (target <= 1000 ms)%n",
                sorted[0] / 1e3, sorted[RUNS / 2] / 1e3, sorted[(int) Math.ceil(RUNS * 0.95) - 1] / 1e3, sorted[RUNS - 1] / 1e3);
        System.out.println("  runs: " + Arrays.toString(Arrays.stream(lagMicros).map(m -> m / 1000).toArray()) + " ms");
        System.out.println();
    }
}
