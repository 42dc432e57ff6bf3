package dev.holdline.lifecycle.awsfakes;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * {@code moto_server} as a child process on 127.0.0.1 and a free port: a second, independent
 * implementation of AWS wire protocols for conformance tests. {@link #startIfInstalled()} is empty
 * where moto is not on the PATH, so tests can skip with {@link #SKIP_REASON}.
 */
public final class MotoServer implements AutoCloseable {
    public static final String SKIP_REASON =
            "moto_server is not on the PATH: skipping the moto conformance check (pip install 'moto[server]')";

    private final Process process;
    private final Path log;
    private final URI endpoint;

    private MotoServer(Process process, Path log, URI endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
    }

    /** Starts moto and waits until it accepts connections; empty where it is not installed. */
    public static Optional<MotoServer> startIfInstalled() throws IOException {
        Optional<Path> executable = onPath("moto_server");
        if (executable.isEmpty()) {
            return Optional.empty();
        }
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path log = Files.createTempFile("moto-server", ".log");
        Process process = new ProcessBuilder(executable.get().toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        MotoServer moto = new MotoServer(process, log, URI.create("http://127.0.0.1:" + port));
        Awaitility.await("moto_server listening on " + moto.endpoint).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("moto_server exited with " + process.exitValue() + ": "
                                + Files.readString(log));
                    }
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
        return Optional.of(moto);
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Stops moto and its children; true when nothing is left running. */
    public boolean stop() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file; the OS cleans it up
        }
        return !process.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
