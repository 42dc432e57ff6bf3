package dev.holdline.loadtest.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.worker.telemetry.ProcFs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One worker: a child JVM running the example agents' {@code Main start --agent …}, as an ECS task
 * would. Its output goes to a log file (and is scanned for the health port and the drain summary);
 * signals are real ({@code kill -TERM}, {@code kill -KILL}).
 */
final class WorkerProcess {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEALTH = Pattern.compile("Health endpoint on http://[^:/]+:(\\d+)/");
    /** The example agents' entry point, on this JVM's own classpath (loadtest depends on examples). */
    static final String WORKER_MAIN = "dev.holdline.examples.Main";

    /** What {@code GET /worker} said. */
    record Status(String workerId, String state, int sessions, boolean protectionWanted, boolean protectionOn,
                  String protectionBackend) {
    }

    final String label;
    final int generation;
    final Process process;
    final long startedNanos;
    private final Path logFile;
    private final CompletableFuture<Integer> healthPort = new CompletableFuture<>();
    private final CompletableFuture<Long> exitedNanos = new CompletableFuture<>();
    private final HttpClient http;
    private final Thread reader;
    private volatile String drainLine;
    private volatile String workerId;

    private WorkerProcess(String label, int generation, Process process, Path logFile, HttpClient http) {
        this.label = label;
        this.generation = generation;
        this.process = process;
        this.startedNanos = System.nanoTime();
        this.logFile = logFile;
        this.http = http;
        process.onExit().thenRun(() -> exitedNanos.complete(System.nanoTime()));
        this.reader = Thread.ofPlatform().daemon().name("worker-output-" + label).start(this::pump);
    }

    /**
     * Starts a worker with {@code env} added to a cleaned environment (no inherited LIVEKIT_*,
     * HOLDLINE_* or ECS_* variables: the drill is not an ECS task).
     */
    static WorkerProcess start(String label, int generation, int nice, List<String> jvmOptions, List<String> args,
                               Map<String, String> env, Path logFile, HttpClient http) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (nice != 0) {
            // nice execs java: the process we hold (and signal) is still the JVM itself.
            cmd.addAll(List.of("nice", "-n", Integer.toString(nice)));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Serial GC and C1 only: a JVM start costs ~2.8 s of CPU instead of ~4.5 s, and on a small machine the
        // C2 compiler's and a parallel collector's threads compete with the codec threads of running calls.
        cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WORKER_MAIN));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIVEKIT_") || k.startsWith("HOLDLINE_") || k.startsWith("ECS_")
                || k.startsWith("AWS_"));
        pb.environment().putAll(env);
        Files.createDirectories(logFile.getParent());
        return new WorkerProcess(label, generation, pb.start(), logFile, http);
    }

    private void pump() {
        try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             var out = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                Matcher m = HEALTH.matcher(line);
                if (!healthPort.isDone() && m.find()) {
                    healthPort.complete(Integer.parseInt(m.group(1)));
                }
                int drain = line.indexOf("Drain complete in");
                if (drain >= 0) {
                    drainLine = line.substring(drain);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
        healthPort.completeExceptionally(new IllegalStateException("worker " + label + " exited before its health"
                + " endpoint was up; see " + logFile));
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** When the process exited (System.nanoTime()), if it has. */
    Optional<Long> exitedAt() {
        return Optional.ofNullable(exitedNanos.getNow(null));
    }

    CompletableFuture<Long> onExit() {
        return exitedNanos;
    }

    Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** The worker's "Drain complete in …" line, if it printed one. */
    Optional<String> drainLine() {
        return Optional.ofNullable(drainLine);
    }

    Optional<String> workerId() {
        return Optional.ofNullable(workerId);
    }

    /**
     * Waits until {@code GET /} answers 200 (registered with the server), as an ECS health check
     * would, polling every 100 ms. False at the timeout or if the process exits.
     */
    boolean awaitRegistered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            Integer port = healthPort.getNow(null);
            if (port != null) {
                try {
                    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        status(); // learn the worker id
                        return true;
                    }
                } catch (IOException e) {
                    // not up yet
                }
            }
            Thread.sleep(100); // polling a health endpoint, as ECS does
        }
        return false;
    }

    /** {@code GET /worker}, or empty when it does not answer (not up yet, or gone). */
    Optional<Status> status() throws InterruptedException {
        Integer port = healthPort.getNow(null);
        if (port == null || !process.isAlive()) {
            return Optional.empty();
        }
        try {
            var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/worker"))
                    .timeout(Duration.ofMillis(800)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode doc = JSON.readTree(r.body());
            JsonNode protection = doc.path("aws").path("task_protection");
            String id = doc.path("worker_id").asText(null);
            if (id != null && !id.isEmpty()) {
                workerId = id;
            }
            return Optional.of(new Status(id, doc.path("state").asText("?"), doc.path("active_sessions").asInt(),
                    protection.path("wanted").asBoolean(false), protection.path("enabled").asBoolean(false),
                    protection.path("backend").asText("?")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Resident memory of the worker and every process under it (session hosts), in KiB; 0 if gone. */
    long treeRssKib() {
        return ProcFs.treeRssKib(process.pid());
    }

    /** Sends a signal through {@code kill}: Process.destroy() would also close our end of the output. */
    void signal(String name) throws IOException, InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /** Kills the worker and everything under it, and waits for the output to be written. */
    void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
        reader.join(Duration.ofSeconds(5));
    }

    /** Waits for the output to be written after the process exited. */
    void awaitOutput() throws InterruptedException {
        reader.join(Duration.ofSeconds(5));
    }
}
