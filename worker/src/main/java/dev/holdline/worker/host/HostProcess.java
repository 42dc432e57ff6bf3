package dev.holdline.worker.host;

import dev.holdline.worker.host.v1.HostCommand;
import dev.holdline.worker.host.v1.HostEvent;
import dev.holdline.worker.host.v1.SessionHostLinkGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session host as the supervisor holds it: the child JVM, the gRPC server on the host's own
 * socket, the command stream once the host has attached, and the thread that copies the host's
 * output into the supervisor's.
 */
final class HostProcess {
    private static final Logger log = LoggerFactory.getLogger(HostProcess.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the supervisor hears from the host. Calls come from gRPC's threads, in order per host. */
    interface Listener {
        void attached(HostProcess host);

        void event(HostProcess host, HostEvent event);

        void exited(HostProcess host, int status);
    }

    final int id;
    final long startedNanos = System.nanoTime();
    private final Path socket;
    private final Server server;
    private final String key = HexFormat.of().formatHex(RANDOM.generateSeed(16));
    private final Listener listener;
    private final List<HostCommand> queued = new ArrayList<>();
    private StreamObserver<HostCommand> commands;
    private boolean linkClosed;
    private Process process;
    /**
     * The host's stdin, kept open: its closing is how the host learns the supervisor is gone, and
     * the one byte written to it ({@link HostMain#DISMISS}) lets an idle host go.
     */
    private OutputStream lifeline;
    private volatile String killCause;

    private HostProcess(int id, Path socket, Server server, Listener listener) {
        this.id = id;
        this.socket = socket;
        this.server = server;
        this.listener = listener;
    }

    /**
     * Opens the host's socket and starts its JVM.
     *
     * @param command the host's command line up to its main class's arguments
     */
    static HostProcess start(int id, Path dir, EventLoopGroup loops, Executor calls, List<String> command,
                             Listener listener) throws IOException {
        Path socket = dir.resolve("host-" + id + ".sock");
        HostProcess[] self = new HostProcess[1];
        Server server = HostTransport.server(socket, loops).executor(calls)
                .addService(new SessionHostLinkGrpc.SessionHostLinkImplBase() {
                    @Override
                    public StreamObserver<HostEvent> attach(StreamObserver<HostCommand> responses) {
                        return self[0].link(responses);
                    }
                }).build();
        HostProcess host = new HostProcess(id, socket, server, listener);
        self[0] = host;
        server.start();
        try {
            host.launch(command);
        } catch (IOException | RuntimeException e) {
            host.closeServer();
            throw e;
        }
        return host;
    }

    private void launch(List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("--id", Integer.toString(id), "--link", HostTransport.address(socket, server)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOLDLINE_HOST_KEY", key);
        process = pb.start();
        lifeline = process.getOutputStream();
        Thread.ofPlatform().daemon().name("holdline-host-" + id + "-output").start(this::forwardOutput);
        process.onExit().thenRun(() -> listener.exited(this, process.exitValue()));
    }

    /**
     * Copies the host's lines to our stdout: JSON log lines as they are (they carry the session's
     * MDC and parse like ours), other lines with a {@code [host N]} prefix.
     */
    private void forwardOutput() {
        try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(line.startsWith("{") ? line : "[host " + id + "] " + line);
            }
        } catch (IOException e) {
            // the host is gone
        }
    }

    private StreamObserver<HostEvent> link(StreamObserver<HostCommand> responses) {
        return new StreamObserver<>() {
            private boolean hello;

            @Override
            public void onNext(HostEvent event) {
                if (!hello) {
                    if (!event.hasHello() || event.getHello().getHostId() != id || !event.getHello().getKey().equals(key)) {
                        log.error("Session host {}: a process attached without this host's hello; refused", id);
                        responses.onError(Status.PERMISSION_DENIED.withDescription("not this host").asRuntimeException());
                        return;
                    }
                    hello = true;
                    attach(responses);
                    listener.attached(HostProcess.this);
                    return;
                }
                listener.event(HostProcess.this, event);
            }

            @Override
            public void onError(Throwable t) {
                log.debug("Session host {}: link ended: {}", id, t.toString());
                closeLink();
            }

            @Override
            public void onCompleted() {
                closeLink();
            }
        };
    }

    private synchronized void attach(StreamObserver<HostCommand> responses) {
        commands = responses;
        for (HostCommand c : queued) {
            commands.onNext(c);
        }
        queued.clear();
    }

    private synchronized void closeLink() {
        if (commands != null && !linkClosed) {
            try {
                commands.onCompleted();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        linkClosed = true;
    }

    /** Sends a command, or queues it until the host has attached. */
    synchronized void send(HostCommand command) {
        if (linkClosed) {
            log.debug("Session host {}: link closed, {} not sent", id, command.getCommandCase());
            return;
        }
        if (commands == null) {
            queued.add(command);
            return;
        }
        try {
            commands.onNext(command);
        } catch (RuntimeException e) {
            log.warn("Session host {}: could not send {}: {}", id, command.getCommandCase(), e.toString());
        }
    }

    /**
     * Lets a host that holds no session go: it exits at once with status 0. Works before the host
     * has attached too (the byte waits in the pipe), which a command over gRPC would not.
     */
    synchronized void dismiss() {
        try {
            lifeline.write(HostMain.DISMISS);
            lifeline.flush();
        } catch (IOException e) {
            log.debug("Session host {}: could not dismiss it ({}); it has gone already", id, e.toString());
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the host now (SIGKILL); {@code cause} is what its sessions are reported failed with. */
    void kill(String cause) {
        if (killCause == null) {
            killCause = cause;
        }
        process.destroyForcibly();
    }

    /** Set when the supervisor killed this host. */
    String killCause() {
        return killCause;
    }

    boolean awaitExit(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /** After the process has exited: the server, the socket file, our end of the pipe. */
    void closeServer() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("Could not delete {}: {}", socket, e.toString());
        }
        if (lifeline != null) {
            try {
                lifeline.close();
            } catch (IOException ignored) {
                // the host is gone
            }
        }
    }

    /** "exited with code 134 (SIGABRT: crashed)" and the like. */
    static String describeExit(int status) {
        if (status > 128 && status < 160) {
            String signal = switch (status - 128) {
                case 6 -> "SIGABRT: crashed";
                case 9 -> "SIGKILL";
                case 11 -> "SIGSEGV: crashed";
                case 15 -> "SIGTERM";
                default -> "signal " + (status - 128);
            };
            return "exited with code " + status + " (" + signal + ")";
        }
        return "exited with code " + status;
    }
}
