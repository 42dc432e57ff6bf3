package dev.holdline.loadtest.drill;

import dev.holdline.loadtest.drill.RunResult.Mark;
import dev.holdline.loadtest.drill.RunResult.Sample;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The worker processes of one run, the ECS-shaped rolling restart, and a sampler that asks every
 * live worker for {@code GET /worker} and its memory twice a second.
 */
final class Fleet implements AutoCloseable {
    /** How long a new worker may take to register before the deploy gives up (ECS would fail the task). */
    static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(60);
    private static final long SAMPLE_MILLIS = 500;
    /** The detail of the SIGTERM that ends the run (not part of the deploy). */
    static final String END_OF_DRILL = "end of the drill";

    private final long t0;
    private final List<String> args;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final Path logDir;
    private final int replacementNice;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    final List<WorkerProcess> workers = new CopyOnWriteArrayList<>();
    final List<Sample> samples = new CopyOnWriteArrayList<>();
    final List<Mark> marks = new CopyOnWriteArrayList<>();
    final Map<String, Long> peakRss = new ConcurrentHashMap<>();
    /** The last status each worker answered, for the progress line. */
    final Map<String, WorkerProcess.Status> lastStatus = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("fleet-sampler").factory());
    private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("fleet-stop-timeout").factory());
    private int started;
    volatile String protectionBackend = "?";
    volatile long deployStartMillis = -1;
    volatile long deployEndMillis = -1;

    /**
     * @param replacementNice niceness of workers started by the deploy (generation 2 and later): on one
     *                        machine their JVM start-up competes with the calls already running, which on
     *                        ECS run on other instances; 0 runs them like the first generation
     */
    Fleet(long t0, List<String> args, Map<String, String> env, List<String> jvmOptions, Path logDir, int replacementNice) {
        this.t0 = t0;
        this.replacementNice = replacementNice;
        this.args = List.copyOf(args);
        this.env = Map.copyOf(env);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.logDir = logDir;
        sampler.scheduleWithFixedDelay(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** A drill stopped with Ctrl-C must not leave worker JVMs running. */
    private final Thread killOnExit = new Thread(() -> workers.forEach(w -> {
        w.process.descendants().forEach(ProcessHandle::destroyForcibly);
        w.process.destroyForcibly();
    }), "fleet-kill-on-exit");

    long now() {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    void mark(String worker, String kind, String detail) {
        marks.add(new Mark(now(), worker, kind, detail));
    }

    /** Starts {@code count} workers of {@code generation} and waits until each is registered. */
    List<WorkerProcess> startRegistered(int count, int generation) throws IOException, InterruptedException, TimeoutException {
        List<WorkerProcess> fresh = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String label = "w" + (++started);
            WorkerProcess w = WorkerProcess.start(label, generation, generation > 1 ? replacementNice : 0, jvmOptions, args, env,
                    logDir.resolve(label + ".log"), http);
            workers.add(w);
            fresh.add(w);
            mark(label, "START", "pid " + w.pid() + ", generation " + generation);
            w.onExit().thenRun(() -> mark(label, "EXIT", "exit code " + w.exitCode().map(String::valueOf).orElse("?")));
        }
        for (WorkerProcess w : fresh) {
            if (!w.awaitRegistered(REGISTER_TIMEOUT)) {
                throw new TimeoutException("worker " + w.label + " (pid " + w.pid() + ") did not register within "
                        + REGISTER_TIMEOUT.toSeconds() + " s" + (w.alive() ? "" : " (it exited with " + w.exitCode().orElse(-1)
                        + ")") + "; see " + w.logFile());
            }
            mark(w.label, "REGISTERED", "worker id " + w.workerId().orElse("?"));
        }
        return fresh;
    }

    /**
     * A rolling restart as ECS does one: start replacements up to {@code maxPercent} of the desired
     * count (draining workers count until they exit), wait until they are registered, SIGTERM old
     * workers as long as {@code minHealthyPercent} stay healthy (registered, not draining), and SIGKILL
     * any old worker still alive {@code stopTimeout} after its SIGTERM. Returns when no old worker is left.
     */
    void rollingRestart(int minHealthyPercent, int maxPercent, Duration stopTimeout)
            throws IOException, InterruptedException, TimeoutException {
        deployStartMillis = now();
        List<WorkerProcess> old = new ArrayList<>(workers.stream().filter(WorkerProcess::alive).toList());
        int desired = old.size();
        int maxTotal = desired * maxPercent / 100;
        int minHealthy = (desired * minHealthyPercent + 99) / 100;
        int generation = old.stream().mapToInt(w -> w.generation).max().orElse(0) + 1;
        List<WorkerProcess> fresh = new ArrayList<>();
        List<WorkerProcess> stopping = new ArrayList<>();
        // Until every old worker is stopping and every replacement runs: with maximum 100 % the old ones go first.
        while (!old.isEmpty() || fresh.size() < desired) {
            stopping.removeIf(w -> !w.alive());
            int running = old.size() + fresh.size() + stopping.size();
            int toStart = Math.min(desired - fresh.size(), maxTotal - running);
            if (toStart > 0) {
                fresh.addAll(startRegistered(toStart, generation));
            }
            int healthy = old.size() + fresh.size();
            int toStop = Math.min(old.size(), healthy - minHealthy);
            for (int i = 0; i < toStop; i++) {
                WorkerProcess w = old.removeFirst();
                sigterm(w, stopTimeout);
                stopping.add(w);
            }
            if (toStart <= 0 && toStop <= 0) {
                if (stopping.isEmpty()) {
                    throw new IllegalStateException("the deploy cannot progress: no room to start a worker and none to stop");
                }
                // Wait for a stopping worker to go, which frees room under maxPercent.
                java.util.concurrent.CompletableFuture.anyOf(stopping.stream().map(WorkerProcess::onExit)
                        .toArray(java.util.concurrent.CompletableFuture[]::new)).join();
            }
        }
        for (WorkerProcess w : stopping) {
            w.onExit().join();
        }
        deployEndMillis = now();
    }

    private void sigterm(WorkerProcess w, Duration stopTimeout) throws IOException, InterruptedException {
        w.signal("TERM");
        // Marked once kill has returned: an offer answered after this moment was answered after the signal.
        mark(w.label, "SIGTERM", "stop timeout " + stopTimeout.toMillis() + " ms");
        killer.schedule(() -> {
            if (w.alive()) {
                mark(w.label, "SIGKILL", "still running " + stopTimeout.toMillis() + " ms after SIGTERM");
                try {
                    w.signal("KILL");
                } catch (IOException e) {
                    w.process.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The end of the run: SIGTERM every worker still running (they are idle), SIGKILL what is left after 20 s. */
    void stopAll() throws InterruptedException {
        for (WorkerProcess w : workers) {
            if (w.alive()) {
                try {
                    mark(w.label, "SIGTERM", END_OF_DRILL);
                    w.signal("TERM");
                } catch (IOException e) {
                    w.kill();
                }
            }
        }
        for (WorkerProcess w : workers) {
            if (!w.process.waitFor(20, TimeUnit.SECONDS)) {
                mark(w.label, "SIGKILL", "did not exit within 20 s of the end-of-drill SIGTERM");
                w.kill();
            }
            w.awaitOutput();
        }
    }

    private void sample() {
        for (WorkerProcess w : workers) {
            if (!w.alive()) {
                continue;
            }
            try {
                long rss = w.treeRssKib();
                peakRss.merge(w.label, rss, Math::max);
                Optional<WorkerProcess.Status> s = w.status();
                s.ifPresent(st -> {
                    lastStatus.put(w.label, st);
                    protectionBackend = st.protectionBackend();
                });
                samples.add(new Sample(now(), w.label, s.map(WorkerProcess.Status::state).orElse("NO_ANSWER"),
                        s.map(WorkerProcess.Status::sessions).orElse(0),
                        s.map(WorkerProcess.Status::protectionWanted).orElse(false),
                        s.map(WorkerProcess.Status::protectionOn).orElse(false), rss));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // a worker going away mid-sample: the next sample skips it
            }
        }
    }

    /** Kills every worker still alive and stops the sampler; safe to call twice. */
    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already exiting: the hook does the killing
        }
        sampler.shutdownNow();
        killer.shutdownNow();
        for (WorkerProcess w : workers) {
            if (w.alive()) {
                w.kill();
            }
        }
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        http.close();
    }
}
