package dev.holdline.worker.host;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * How supervisor and host reach each other: gRPC over a Unix domain socket (netty's epoll
 * transport, which grpc-netty-shaded bundles for Linux), or TCP on loopback where epoll is not
 * available (macOS, other CPUs). An address travels to the host as text: {@code unix:<path>} or
 * {@code tcp:<port>}.
 */
final class HostTransport {
    private HostTransport() {
    }

    /** A new directory for sockets that only this user can enter (a socket's peer must be our own process). */
    static Path privateDir(String prefix) throws IOException {
        return Files.createTempDirectory(prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** True when Unix domain sockets can be used here. */
    static boolean domainSockets() {
        return Epoll.isAvailable();
    }

    /** Event loops for every link of a supervisor (or the one link of a host): one daemon thread. */
    static EventLoopGroup eventLoops(String threadName) {
        var factory = new DefaultThreadFactory(threadName, true);
        return new MultiThreadIoEventLoopGroup(1, factory,
                domainSockets() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** A server builder on {@code socket} (or on a free loopback port when there are no domain sockets). */
    static ServerBuilder<?> server(Path socket, EventLoopGroup loops) {
        NettyServerBuilder b = domainSockets()
                ? NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollServerDomainSocketChannel.class)
                : NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .channelType(NioServerSocketChannel.class);
        return b.bossEventLoopGroup(loops).workerEventLoopGroup(loops);
    }

    /** The text form of where a started server listens. */
    static String address(Path socket, io.grpc.Server started) {
        if (domainSockets()) {
            return "unix:" + socket;
        }
        return "tcp:" + ((InetSocketAddress) started.getListenSockets().getFirst()).getPort();
    }

    /** A channel to {@link #address}'s text. */
    static ManagedChannel channel(String address, EventLoopGroup loops) {
        NettyChannelBuilder b;
        if (address.startsWith("unix:")) {
            b = NettyChannelBuilder.forAddress(new DomainSocketAddress(address.substring("unix:".length())))
                    .channelType(EpollDomainSocketChannel.class);
        } else if (address.startsWith("tcp:")) {
            b = NettyChannelBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(address.substring("tcp:".length())))).channelType(NioSocketChannel.class);
        } else {
            throw new IllegalArgumentException("not a session host address: " + address);
        }
        return b.eventLoopGroup(loops).usePlaintext().build();
    }
}
