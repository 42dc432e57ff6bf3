package dev.holdline.worker;

import dev.holdline.worker.admin.v1.WorkerAdminGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC client of the admin API over loopback TCP, with threads of its own (named
 * {@code holdline-test-grpc-*}, so {@link NoLeakedThreads} sees any left behind) that close with it.
 */
final class AdminClient implements AutoCloseable {
    final ManagedChannel channel;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("holdline-test-grpc-io", true), NioIoHandler.newFactory());
    private final ExecutorService executor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("holdline-test-grpc-calls").factory());

    AdminClient(String host, int port) {
        channel = NettyChannelBuilder.forAddress(host, port).usePlaintext()
                .eventLoopGroup(group).channelType(NioSocketChannel.class).executor(executor)
                .build();
    }

    WorkerAdminGrpc.WorkerAdminBlockingStub admin() {
        return WorkerAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    WorkerAdminGrpc.WorkerAdminStub adminAsync() {
        return WorkerAdminGrpc.newStub(channel);
    }

    ServingStatus health() {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    /** Sends {@code authorization: <value>} on every call. */
    static CallCredentials authorization(String value) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
                applier.apply(m);
            }
        };
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).await(5, TimeUnit.SECONDS);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
