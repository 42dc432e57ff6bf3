package dev.holdline.devserver.conformance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A {@code node} script from {@code src/test/node} run as a real child process. Its output
 * (stdout and stderr merged) is echoed line by line with a {@code [name]} prefix and kept for
 * assertions. {@link #close()} ends the process <em>and every process it forked</em> (the
 * official agent worker runs each job in a forked process that ignores SIGTERM).
 */
final class NodeProcess implements AutoCloseable {

    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);
    private static final Duration FORCED_STOP = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private NodeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("node-" + name + "-output").start(this::pumpOutput);
    }

    /**
     * Starts {@code node <script> <args...>} in {@code dir}, with the current environment minus
     * every {@code LIVEKIT_*} variable, plus {@code env}.
     */
    static NodeProcess start(String name, Path dir, Map<String, String> env, String script, String... args) {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("LIVEKIT_"));
        builder.environment().putAll(env);
        try {
            return new NodeProcess(name, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command + " in " + dir, e);
        }
    }

    /** True when {@code command} runs and exits 0 within a few seconds (used to probe for node/npm). */
    static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean isInstalled(Path nodeDir, String packageName) {
        return Files.isRegularFile(nodeDir.resolve("node_modules").resolve(packageName).resolve("package.json"));
    }

    private void pumpOutput() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                System.out.println("[" + name + "] " + line);
            }
        } catch (IOException e) {
            // the stream closes when the process is destroyed
        }
    }

    String name() {
        return name;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Every line printed so far. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    /** The first line printed so far that matches, if any. */
    Optional<String> line(Predicate<String> matcher) {
        return lines.stream().filter(matcher).findFirst();
    }

    /** The rest of the first line that starts with {@code "<tag> "}, if any. */
    Optional<String> tagged(String tag) {
        return line(l -> l.startsWith(tag + " ")).map(l -> l.substring(tag.length() + 1).strip());
    }

    /** Waits for the process to exit by itself and for its output to be read; kills it after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException, TimeoutException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new TimeoutException(name + " did not exit within " + timeout + "; output:\n" + output());
        }
        pump.join(FORCED_STOP.toMillis());
        return process.exitValue();
    }

    /** All output so far, for failure messages. */
    String output() {
        return String.join("\n", lines);
    }

    /**
     * Ends the process and all its descendants: SIGTERM first (the worker script then closes its
     * job processes itself), SIGKILL for whatever is still running after {@link #GRACEFUL_STOP}.
     * Descendants are collected while the parent is still alive, because once it is gone they are
     * re-parented and {@link ProcessHandle#descendants()} no longer finds them.
     */
    @Override
    public void close() {
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        ProcessHandle root = process.toHandle();
        collect(root, tree);
        root.destroy();
        long deadline = System.nanoTime() + GRACEFUL_STOP.toNanos();
        while (root.isAlive() && System.nanoTime() < deadline) {
            collect(root, tree);
            try {
                root.onExit().get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // keep collecting descendants until the root exits
            } catch (ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        collect(root, tree);
        tree.add(root);
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (ProcessHandle handle : tree) {
            if (handle.isAlive()) {
                System.out.println("[" + name + "] killing pid " + handle.pid()
                        + handle.info().command().map(c -> " (" + c + ")").orElse(""));
                handle.destroyForcibly();
                exits.add(handle.onExit());
            }
        }
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                    .get(FORCED_STOP.toMillis(), TimeUnit.MILLISECONDS);
            pump.join(FORCED_STOP.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            System.out.println("[" + name + "] processes still alive after SIGKILL: "
                    + tree.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList());
        }
    }

    /** Kills the process at once (SIGKILL), as a crash or a pulled cable would end it, and waits for it. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(FORCED_STOP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Processes of this tree that are still running (empty once {@link #close()} has returned). */
    static List<ProcessHandle> alive(Set<ProcessHandle> handles) {
        return handles.stream().filter(ProcessHandle::isAlive).toList();
    }

    /** The process and all its current descendants. */
    Set<ProcessHandle> tree() {
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(process.toHandle());
        collect(process.toHandle(), tree);
        return tree;
    }

    private static void collect(ProcessHandle root, Set<ProcessHandle> into) {
        root.descendants().forEach(into::add);
    }
}
