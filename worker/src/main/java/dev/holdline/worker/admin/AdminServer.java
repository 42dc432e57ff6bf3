package dev.holdline.worker.admin;

import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.worker.protocol.AgentConnection;
import dev.holdline.worker.telemetry.EventHub;
import dev.holdline.worker.telemetry.Telemetry;
import dev.holdline.worker.telemetry.WorkerEvent;
import dev.holdline.worker.telemetry.WorkerView;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's gRPC server: {@code grpc.health.v1.Health}, {@code holdline.admin.v1.WorkerAdmin} and
 * server reflection ({@code grpc.reflection.v1}) on their own port. Health (the overall service, name {@code ""}) is {@code SERVING} while the worker
 * is READY and registered with LiveKit, {@code NOT_SERVING} otherwise — starting, reconnecting,
 * draining, stopped. That means "takes new calls", not "alive": container health checks must keep
 * using {@code GET /} on the health port, which stays 200 through a drain.
 *
 * <p>Its threads are its own ({@code holdline-admin-*}; calls run on virtual threads) and end with {@link #close};
 * gRPC's shared timer thread ({@code grpc-timer-*}) goes a second after the last gRPC server or channel of the JVM.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    /** How long close() lets calls in flight finish before cancelling them (streams are ended first). */
    private static final long GRACE_MILLIS = 1000;

    /** Starts the worker's drain: {@code Worker.drain(String, Duration)}. */
    @FunctionalInterface
    public interface Drainer {
        /** @return false when a drain had already started */
        boolean drain(String reason, java.time.Duration deadlineCap);
    }

    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final ExecutorService calls;
    private final HealthStatusManager health;
    private final Runnable unsubscribe;

    private AdminServer(Server server, EventLoopGroup boss, EventLoopGroup io, ExecutorService calls,
                        HealthStatusManager health, Telemetry telemetry) {
        this.server = server;
        this.boss = boss;
        this.io = io;
        this.calls = calls;
        this.health = health;
        this.unsubscribe = telemetry.events().subscribe(new HealthFollower(telemetry.view()), telemetry::snapshot);
    }

    /**
     * Binds and starts serving.
     *
     * @param drainer starts the worker's drain (what {@code Drain} calls)
     * @throws IOException when the port cannot be bound (the message names host and port)
     */
    public static AdminServer start(AdminOptions options, Telemetry telemetry, Drainer drainer)
            throws IOException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("holdline-admin-accept", true),
                NioIoHandler.newFactory());
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("holdline-admin-io", true),
                NioIoHandler.newFactory());
        ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("holdline-admin-call-", 0).factory());
        try {
            HealthStatusManager health = new HealthStatusManager();
            health.setStatus("", ServingStatus.NOT_SERVING);
            BearerAuth auth = options.token().map(BearerAuth::new).orElse(null);
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress(options.host(), Math.max(0, options.port())))
                    .bossEventLoopGroup(boss).workerEventLoopGroup(io).channelType(NioServerSocketChannel.class)
                    .executor(calls)
                    .addService(guarded(new WorkerAdminService(telemetry, drainer), auth))
                    .addService(guarded(health.getHealthService(), auth))
                    // Server reflection, so grpcurl and similar tools need no .proto file (behind the token like the rest).
                    .addService(guarded(ProtoReflectionServiceV1.newInstance(), auth))
                    .build().start();
            AdminServer admin = new AdminServer(server, boss, io, calls, health, telemetry);
            log.info("Admin API (gRPC: grpc.health.v1.Health, holdline.admin.v1.WorkerAdmin) on {}:{}, {}", options.host(),
                    admin.port(), auth != null ? "bearer token required" : "no token (loopback only)");
            return admin;
        } catch (IOException | RuntimeException e) {
            shutdown(boss, io, calls);
            String why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
            throw new IOException("admin API could not listen on " + options.host() + ":" + options.port() + ": " + why, e);
        }
    }

    private static ServerServiceDefinition guarded(BindableService service, BearerAuth auth) {
        return auth == null ? service.bindService() : ServerInterceptors.intercept(service, auth);
    }

    /** The bound port (the real one with port 0). */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /**
     * Health to NOT_SERVING for good, then stops: calls in flight get a short grace, event streams
     * should already be ended (the worker's telemetry closes first).
     */
    @Override
    public void close() {
        unsubscribe.run();
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        shutdown(boss, io, calls);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup io, ExecutorService calls) {
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        io.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        calls.shutdownNow();
        boss.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        io.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Keeps the health status in step with the worker: on every lifecycle or connection event. */
    private final class HealthFollower implements EventHub.Watcher {
        private final WorkerView view;

        HealthFollower(WorkerView view) {
            this.view = view;
        }

        @Override
        public void onEvent(WorkerEvent event) {
            if (event instanceof WorkerEvent.Snapshot || event instanceof WorkerEvent.LifecycleChanged
                    || event instanceof WorkerEvent.ConnectionChanged) {
                boolean serving = view.state() == LifecycleState.READY && view.connection() == AgentConnection.State.REGISTERED;
                health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
            }
        }

        @Override
        public void onClosed() {
            // The STOPPED event already set NOT_SERVING; close() enters the terminal state.
        }
    }
}
