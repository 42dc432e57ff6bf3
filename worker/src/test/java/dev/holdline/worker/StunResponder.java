package dev.holdline.worker;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;

/**
 * A minimal STUN server on loopback UDP (RFC 5389): answers each Binding request with a Binding
 * success carrying XOR-MAPPED-ADDRESS, as a TURN server's STUN side does.
 */
final class StunResponder implements AutoCloseable {
    private static final int MAGIC_COOKIE = 0x2112A442;
    private final DatagramSocket socket;
    private final Thread thread;

    StunResponder() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().name("holdline-test-stun").start(this::serve);
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        byte[] buffer = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                ByteBuffer in = ByteBuffer.wrap(buffer, 0, packet.getLength());
                if (packet.getLength() < 20 || in.getShort() != 0x0001) {
                    continue;
                }
                in.getShort();
                in.getInt();
                byte[] transaction = new byte[12];
                in.get(transaction);
                byte[] ip = packet.getAddress().getAddress();
                byte[] cookie = ByteBuffer.allocate(4).putInt(MAGIC_COOKIE).array();
                ByteBuffer out = ByteBuffer.allocate(32).putShort((short) 0x0101).putShort((short) 12).putInt(MAGIC_COOKIE)
                        .put(transaction).putShort((short) 0x0020).putShort((short) 8).put((byte) 0).put((byte) 1)
                        .putShort((short) (packet.getPort() ^ (MAGIC_COOKIE >>> 16)));
                for (int i = 0; i < 4; i++) {
                    out.put((byte) (ip[i] ^ cookie[i]));
                }
                socket.send(new DatagramPacket(out.array(), out.position(), packet.getSocketAddress()));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5000);
    }
}
