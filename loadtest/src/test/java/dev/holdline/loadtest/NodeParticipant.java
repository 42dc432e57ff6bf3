package dev.holdline.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One official {@code @livekit/rtc-node} participant (the dev server's conformance script
 * {@code devserver/src/test/node/rtc-participant.mjs}) as a child process whose stdout lines a
 * test can wait for. Closing stops it (stdin closed, then SIGTERM, then SIGKILL) with its children.
 */
final class NodeParticipant implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    private NodeParticipant(Process process, String name) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("node-" + name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("[node " + name + "] " + line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // The process ended.
            }
        });
    }

    /** The Node conformance directory, or why it cannot be used here. */
    static Optional<String> unavailableReason() {
        Path dir = dir();
        if (!Files.isDirectory(dir.resolve("node_modules/@livekit/rtc-node"))) {
            return Optional.of("@livekit/rtc-node is not installed in " + dir
                    + " (run: npm ci --prefix devserver/src/test/node)");
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.of("node --version failed");
            }
        } catch (IOException e) {
            return Optional.of("node is not on PATH");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        return Optional.empty();
    }

    static Path dir() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        for (Path p : List.of(base.resolve("../devserver/src/test/node"), base.resolve("devserver/src/test/node"))) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        return base.resolve("../devserver/src/test/node").toAbsolutePath().normalize();
    }

    static NodeParticipant start(String name, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("node", "rtc-participant.mjs").directory(dir().toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        return new NodeParticipant(pb.start(), name);
    }

    /** Waits for the next line starting with {@code prefix}; returns what follows it. */
    String await(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new AssertionError("node participant printed no '" + prefix + "' within " + timeout.toSeconds() + " s");
            }
            if (line.startsWith("CONNECT_FAILED")) {
                throw new AssertionError("node participant could not join: " + line);
            }
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
    }

    /** SIGKILL: the participant vanishes without leaving (no leave, no clean socket close by the client). */
    void killHard() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.toHandle().destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone.
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.toHandle().destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        children.forEach(ProcessHandle::destroyForcibly);
        reader.join(5000);
    }
}
