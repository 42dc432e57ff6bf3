package dev.holdline.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy whose open connections can be frozen: bytes stop flowing both ways but
 * no socket is closed, which is what a server that vanished without a FIN looks like to the
 * worker. New connections after a freeze flow normally.
 */
final class FreezableProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FreezableProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("proxy-accept").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Stops every open connection from carrying bytes, without closing it. */
    void freezeOpenConnections() {
        links.forEach(l -> l.frozen = true);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                Link link = new Link(client, upstream);
                links.add(link);
                Thread.ofPlatform().daemon().name("proxy-up").start(() -> pump(link, client, upstream));
                Thread.ofPlatform().daemon().name("proxy-down").start(() -> pump(link, upstream, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Link link, Socket from, Socket to) {
        byte[] buf = new byte[8192];
        // No try-with-resources: closing a socket's stream closes the socket, and a frozen link
        // must stay open. close() closes the sockets.
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (link.frozen) {
                    continue; // black hole: read and drop, so neither side sees a close or an error
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // a side closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Link l : links) {
            l.client.close();
            l.upstream.close();
        }
    }

    private static final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean frozen;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }
    }
}
