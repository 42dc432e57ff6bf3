package dev.holdline.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The examples' {@code Main} as a real child JVM, for process-level tests: its output is kept
 * line by line, signals go through the process handle, and {@link #close()} kills what is left.
 */
final class ChildJvm implements AutoCloseable {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    final Process process;
    final List<String> output = new CopyOnWriteArrayList<>();
    /** When the process was seen to exit, in {@link System#nanoTime()}. */
    final CompletableFuture<Long> exitedAtNanos = new CompletableFuture<>();
    private final Thread reader;

    private ChildJvm(Process process) {
        this.process = process;
        process.onExit().thenRun(() -> exitedAtNanos.complete(System.nanoTime()));
        this.reader = Thread.ofPlatform().daemon().name("child-output-" + process.pid()).start(() -> {
            try (var r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    System.out.println("[child " + process.pid() + "] " + line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    /** Starts {@code Main} with these arguments; LIVEKIT_* and HOLDLINE_* come only from {@code env}. */
    static ChildJvm start(Map<String, String> env, String... args) throws IOException {
        return startUnder(List.of(), env, args);
    }

    /** Like {@link #start}, with the JVM run under {@code prefix} (e.g. {@code unshare ... --}). */
    static ChildJvm startUnder(List<String> prefix, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIVEKIT_") || k.startsWith("HOLDLINE_")
                || k.startsWith("ECS_"));
        pb.environment().putAll(env);
        return new ChildJvm(pb.start());
    }

    /**
     * Sends a signal by name (TERM, INT). Through {@code kill}, not {@link Process#destroy()}:
     * destroy() would also close our end of the child's output.
     */
    void signal(String name) throws IOException, InterruptedException {
        signal(name, process.toHandle());
    }

    /** Sends a signal to one process of this child's tree (e.g. the JVM under a wrapper). */
    void signal(String name, ProcessHandle target) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + name, Long.toString(target.pid())).inheritIO().start().waitFor();
        assertTrue(rc == 0, "kill -" + name + " failed with " + rc);
    }

    /** A line contains {@code fragment}; for a JSON log line (what {@code start} prints), its message does. */
    boolean hasLine(String fragment) {
        return output.stream().anyMatch(l -> l.contains(fragment) || message(l).contains(fragment));
    }

    /** The message of a JSON log line (logback's JsonEncoder escapes '/' and '"'), else "". */
    static String message(String line) {
        if (!line.startsWith("{")) {
            return "";
        }
        try {
            var node = JSON.readTree(line);
            return node.path("formattedMessage").asText(node.path("message").asText(""));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    String text() {
        return String.join("\n", output);
    }

    /** Waits for the exit and for all output to be read; returns the exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        assertTrue(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS),
                "the child did not exit within " + timeout + "\n" + text());
        reader.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        reader.join(Duration.ofSeconds(5));
    }
}
