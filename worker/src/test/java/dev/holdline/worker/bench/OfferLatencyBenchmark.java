package dev.holdline.worker.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.worker.Worker;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Offer → answer latency as the server sees it (AvailabilityRequest sent → AvailabilityResponse
 * read, over a loopback WebSocket) for 10,000 offers to one worker whose scheduler is busy:
 * up to 200 sessions held for 50–400 ms each, so it accepts, fills up, declines and frees slots
 * throughout. Prints p50/p99/max; asserts only that every offer was answered.
 * Run: {@code ./mvnw -B -Pbench -pl worker -am verify}.
 */
@Tag("benchmark")
class OfferLatencyBenchmark {
    private static final int OFFERS = 10_000;
    private static final int RATE_PER_SECOND = 800;

    @Test
    void offerToAnswerLatencyWithABusyScheduler() throws Exception {
        try (DevServer server = DevServer.builder().port(0).key("devkey", "bench-secret").build().start()) {
            AtomicInteger ran = new AtomicInteger();
            Worker worker = Worker.builder().env(n -> null)
                    .url(server.httpUrl()).apiKey("devkey").apiSecret("bench-secret")
                    .agentName("bench").healthPort(-1).maxSessions(200).loadThreshold(1.0)
                    .handler(session -> {
                        ran.incrementAndGet();
                        Thread.sleep(ThreadLocalRandom.current().nextLong(50, 400));
                    })
                    .build().start();
            try {
                if (!worker.awaitRegistered(Duration.ofSeconds(10))) {
                    throw new AssertionError("worker did not register");
                }
                // Warm-up: JIT the offer path before measuring.
                dispatch(server, 2_000, "warm");
                await().atMost(Duration.ofMinutes(2)).until(() -> answered(server) >= 2_000);
                int before = answered(server);
                long t0 = System.nanoTime();
                dispatch(server, OFFERS, "bench");
                await().atMost(Duration.ofMinutes(3)).until(() -> answered(server) >= before + OFFERS);
                double seconds = (System.nanoTime() - t0) / 1e9;

                long[] all = server.events().stream().filter(AgentEvent.OfferAnswered.class::isInstance)
                        .map(AgentEvent.OfferAnswered.class::cast).mapToLong(AgentEvent.OfferAnswered::latencyNanos)
                        .toArray();
                long[] measured = Arrays.copyOfRange(all, before, all.length);
                long accepted = server.events().stream().skip(0).filter(e -> e instanceof AgentEvent.OfferAnswered a
                        && a.available()).count();
                Arrays.sort(measured);
                assertEquals(OFFERS, measured.length);
                System.out.printf("%nOFFER LATENCY BENCHMARK: %d offers in %.1f s (%.0f/s), busy scheduler (max 200 sessions)%n",
                        measured.length, seconds, measured.length / seconds);
                System.out.printf("  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms%n",
                        pct(measured, 0.50), pct(measured, 0.90), pct(measured, 0.99), pct(measured, 0.999),
                        measured[measured.length - 1] / 1e6);
                System.out.printf("  accepted (incl. warm-up) %d, sessions run %d, target p99 <= 5 ms%n%n", accepted, ran.get());
            } finally {
                worker.close();
            }
        }
    }

    private static int answered(DevServer server) {
        return (int) server.events().stream().filter(AgentEvent.OfferAnswered.class::isInstance).count();
    }

    /** Creates dispatches at a steady rate (the offers then arrive as they would in production). */
    private static void dispatch(DevServer server, int count, String prefix) {
        long intervalNanos = 1_000_000_000L / RATE_PER_SECOND;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            server.createDispatch(prefix + "-room-" + i, "bench", "");
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private static double pct(long[] sorted, double p) {
        int idx = Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }
}
