package dev.holdline.loadtest;

import static dev.holdline.worker.ProcessStats.treeCpuTicks;
import static dev.holdline.worker.ProcessStats.treeRssMb;
import static org.awaitility.Awaitility.await;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.worker.room.AudioFrame;
import dev.holdline.worker.room.Loopback;
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.room.SineWave;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How many concurrent echo sessions this machine holds, what each costs, and how that compares
 * with bare webrtc-java endpoints. The worker runs as its own process (the examples' {@code echo}
 * agent), so its CPU and RSS (its session hosts' included) are its own; the dev server and the synthetic callers share this
 * JVM, and the machine. Run with {@code ./mvnw -B -Pbench -pl loadtest -am verify}.
 */
@Tag("benchmark")
class AudioCapacityBenchmark {
    private static final Duration MEASURE = Duration.ofSeconds(15);
    private static final int BASELINE_PAIRS = 10;
    private static final int[] STEPS = {2, 4, 6, 8, 10, 15, 20, 30};

    @Test
    void echoSessionsAgainstBareEndpoints() throws Exception {
        double baselineCpuPerPair = baseline();
        int held = 0;
        double cpuPerSession = 0;
        double rssPerSession = 0;
        long restRss = 0;
        for (int n : STEPS) {
            Step s = echo(n, false);
            System.out.printf("echo x%d: worker CPU %.1f %% of a core (%.2f %% per session), worker RSS %d MB at rest,"
                            + " %d MB loaded (%.1f MB per session); callers: worst late %.2f %%, mean %.2f %%%n",
                    n, s.cpuPercent, s.cpuPercent / n, s.restRssMb, s.loadedRssMb,
                    (s.loadedRssMb - s.restRssMb) / (double) n, 100 * s.worstMissing, 100 * s.meanMissing);
            if (s.meanMissing >= 0.01 || s.worstMissing >= 0.05) {
                break;
            }
            held = n;
            cpuPerSession = s.cpuPercent / n;
            rssPerSession = (s.loadedRssMb - s.restRssMb) / (double) n;
            restRss = s.restRssMb;
        }
        System.out.printf("RESULT: %d concurrent echo sessions held with < 1 %% late (silent) frames (dev server and callers on the"
                        + " same 2 cores); worker CPU %.2f %% of a core and %.1f MB RSS per session (rest %d MB);"
                        + " bare webrtc-java send+receive endpoint pair %.2f %% of a core; ratio %.2f%n",
                held, cpuPerSession, rssPerSession, restRss, baselineCpuPerPair,
                baselineCpuPerPair == 0 ? 0 : cpuPerSession / baselineCpuPerPair);
    }

    /**
     * The same echo sessions in session hosts (K = 16, one host takes them all): what a live call
     * costs when the worker's process tree has a supervisor and a host (DESIGN.md §7: ≤ 10 MB per
     * session, hosts included).
     */
    @Test
    void echoSessionsInSessionHosts() throws Exception {
        for (int n : new int[] {4, 8, 15}) {
            Step s = echo(n, true);
            System.out.printf("hosted echo x%d: supervisor + host CPU %.1f %% of a core (%.2f %% per session), tree RSS %d MB"
                            + " at rest, %d MB loaded (%.1f MB per session, hosts included); callers: worst late %.2f %%,"
                            + " mean %.2f %%%n",
                    n, s.cpuPercent, s.cpuPercent / n, s.restRssMb, s.loadedRssMb,
                    (s.loadedRssMb - s.restRssMb) / (double) n, 100 * s.worstMissing, 100 * s.meanMissing);
        }
    }

    /** CPU per bare pair: one endpoint encoding a paced sine, one decoding it, as an echo session does once each. */
    private double baseline() throws Exception {
        List<Loopback> pairs = new ArrayList<>();
        List<Thread> talkers = new ArrayList<>();
        try {
            for (int i = 0; i < BASELINE_PAIRS; i++) {
                Loopback l = new Loopback("bench-" + i);
                l.startPlayout();
                pairs.add(l);
                SineWave tone = new SineWave(440, 0.3, AudioFrame.ROOM_RATE);
                talkers.add(Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (l.output().write(tone.next())) {
                            // paced
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (l.input().read() != null) {
                            // drain
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            sleepMeasuring();
            double percent = 100.0 * (processCpuNanos() - cpu0) / (System.nanoTime() - t0);
            System.out.printf("baseline: %d bare loopback pairs use %.1f %% of a core (%.2f %% per pair)%n",
                    BASELINE_PAIRS, percent, percent / BASELINE_PAIRS);
            return percent / BASELINE_PAIRS;
        } finally {
            pairs.forEach(Loopback::close);
        }
    }

    private record Step(double cpuPercent, long restRssMb, long loadedRssMb, double worstMissing, double meanMissing) {
    }

    private Step echo(int n, boolean hosted) throws Exception {
        try (DevServer server = Calls.server().build().start();
             RoomConnector connector = new RoomConnector()) {
            Process worker = startWorker(server, hosted);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.events().stream()
                        .anyMatch(AgentEvent.WorkerRegistered.class::isInstance));
                long restRss = treeRssMb(worker.pid());
                List<SyntheticCaller> callers = new ArrayList<>();
                try {
                    for (int i = 0; i < n; i++) {
                        String room = "bench-" + i;
                        server.createDispatch(room, "echo", "");
                        callers.add(SyntheticCaller.join(connector, server.httpUrl(),
                                server.participantToken(room, "caller-" + i), "caller-" + i,
                                SyntheticCaller.Options.defaults()));
                    }
                    for (SyntheticCaller c : callers) {
                        c.awaitAgent(Duration.ofSeconds(30));
                    }
                    await().atMost(Duration.ofSeconds(60)).until(() -> callers.stream()
                            .allMatch(c -> c.report().loudFrames() > 100));
                    long[] silentBefore = callers.stream().mapToLong(c -> c.report().silentFrames()).toArray();
                    long[] loudBefore = callers.stream().mapToLong(c -> c.report().loudFrames()).toArray();
                    long cpu0 = treeCpuTicks(worker.pid());
                    long t0 = System.nanoTime();
                    sleepMeasuring();
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double cpuPercent = 100.0 * (treeCpuTicks(worker.pid()) - cpu0) / 100.0 / seconds;
                    long loadedRss = treeRssMb(worker.pid());
                    double worst = 0;
                    double sum = 0;
                    for (int i = 0; i < callers.size(); i++) {
                        SyntheticCaller.Report r = callers.get(i).report();
                        // Late = silent where the echo should be (a gap or concealment); frames a
                        // receiver's slow playout clock never asked for are not the echo's doing
                        // (see Report.shortfallShare).
                        long silent = r.silentFrames() - silentBefore[i];
                        long loud = r.loudFrames() - loudBefore[i];
                        double share = silent + loud == 0 ? 1.0 : (double) silent / (silent + loud);
                        worst = Math.max(worst, share);
                        sum += share;
                    }
                    return new Step(cpuPercent, restRss, loadedRss, worst, sum / callers.size());
                } finally {
                    callers.forEach(SyntheticCaller::hangUp);
                }
            } finally {
                worker.destroy();
                if (!worker.waitFor(30, TimeUnit.SECONDS)) {
                    worker.destroyForcibly();
                }
            }
        }
    }

    private static Process startWorker(DevServer server, boolean hosted) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.holdline.examples.Main",
                "start", "--agent", "echo", "--health-port", "-1", "--max-sessions", "200", "--load-threshold", "1.0",
                hosted ? "--session-hosts" : "--no-session-hosts")
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIVEKIT_") || k.startsWith("HOLDLINE_"));
        pb.environment().put("LIVEKIT_URL", server.httpUrl());
        pb.environment().put("LIVEKIT_API_KEY", Calls.KEY);
        pb.environment().put("LIVEKIT_API_SECRET", Calls.SECRET);
        Process p = pb.start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                while (r.readLine() != null) {
                    // The worker's JSON/INFO logs are not part of the figures.
                }
            } catch (Exception e) {
                // gone
            }
        });
        return p;
    }

    /** The measurement window itself: nothing to wait for, the machine just runs. */
    private static void sleepMeasuring() throws InterruptedException {
        Thread.sleep(MEASURE.toMillis());
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
