package dev.holdline.worker.doctor;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ICE/UDP reachability, checked the way ICE itself starts: a STUN Binding request (RFC 5389) over
 * UDP, retransmitted at 0.5, 1 and 2 s. An answer proves that UDP gets from this host to that
 * address and back, and shows this host's address as seen from there.
 *
 * <p>Why it needs a target: LiveKit's media ports (UDP 7882, or 50000–60000, by default) answer
 * only the ICE checks of a participant that joined a room, with that participant's credentials, so
 * a bare probe there cannot tell an open port from a dropped one. A STUN or TURN server answers
 * anyone: LiveKit's embedded TURN server (UDP 3478 when enabled) or the STUN servers its config lists.
 */
final class StunProbe {
    static final String CHECK = "ice-udp";
    private static final int MAGIC_COOKIE = 0x2112A442;
    private static final short BINDING_REQUEST = 0x0001;
    private static final short BINDING_SUCCESS = 0x0101;
    private static final short MAPPED_ADDRESS = 0x0001;
    private static final short XOR_MAPPED_ADDRESS = 0x0020;
    private static final long[] RETRANSMIT_MILLIS = {500, 1000, 2000};

    private StunProbe() {
    }

    /** The finding when there is no STUN target to ask. */
    static Finding notChecked(String livekitHost) {
        return Finding.warn(CHECK, "not checked: LiveKit's media ports (UDP 7882, or 50000-60000, by default) answer only the"
                + " ICE checks of a participant that has joined a room, so a bare probe cannot tell an open port from a blocked one."
                + " Fix: allow UDP from this host to the LiveKit nodes' rtc ports (and TCP 7881 as ICE/TCP fallback), then check"
                + " that UDP leaves this host with `doctor --stun HOST:PORT` against a STUN or TURN server, e.g. " + livekitHost
                + ":3478 when LiveKit's TURN server is on.");
    }

    static Finding run(String host, int port, Duration timeout) {
        String where = host + ":" + port;
        try (DatagramSocket socket = new DatagramSocket()) {
            InetAddress address = InetAddress.getByName(host);
            // Connected: the kernel then reports an ICMP port unreachable as PortUnreachableException.
            socket.connect(new InetSocketAddress(address, port));
            byte[] transaction = new byte[12];
            ThreadLocalRandom.current().nextBytes(transaction);
            byte[] request = ByteBuffer.allocate(20).putShort(BINDING_REQUEST).putShort((short) 0).putInt(MAGIC_COOKIE)
                    .put(transaction).array();
            long started = System.nanoTime();
            long deadline = started + timeout.toNanos();
            for (long wait : RETRANSMIT_MILLIS) {
                socket.send(new DatagramPacket(request, request.length));
                long stepEnd = Math.min(deadline, System.nanoTime() + wait * 1_000_000);
                Optional<String> mapped = awaitAnswer(socket, transaction, stepEnd);
                if (mapped.isPresent()) {
                    long ms = (System.nanoTime() - started) / 1_000_000;
                    return Finding.pass(CHECK, "STUN Binding answered by " + where + " in " + ms + " ms: UDP leaves this host and"
                            + " comes back; this host is " + mapped.get() + " as seen from there.");
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
            }
            return Finding.fail(CHECK, "no STUN answer from " + where + " within " + timeout.toMillis() + " ms (3 tries): UDP to it"
                    + " is blocked, or nothing answers STUN there. Fix: allow outbound UDP from this host (security group, network"
                    + " ACL, firewall) to the LiveKit nodes, and check the address.");
        } catch (PortUnreachableException e) {
            return Finding.fail(CHECK, where + " refused UDP (ICMP port unreachable): nothing listens there. Fix: check the"
                    + " --stun address, and that the STUN/TURN server runs.");
        } catch (IOException e) {
            return Finding.fail(CHECK, "cannot send UDP to " + where + ": " + HttpProbe.describe(e) + ". Fix: check the address"
                    + " and this host's network.");
        }
    }

    /** Reads until a Binding success with our transaction id, or {@code untilNanos}. */
    private static Optional<String> awaitAnswer(DatagramSocket socket, byte[] transaction, long untilNanos)
            throws IOException {
        byte[] buffer = new byte[1500];
        while (true) {
            long left = (untilNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return Optional.empty();
            }
            socket.setSoTimeout((int) Math.max(1, left));
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            Optional<String> mapped = parseSuccess(ByteBuffer.wrap(buffer, 0, packet.getLength()), transaction);
            if (mapped.isPresent()) {
                return mapped;
            }
        }
    }

    /**
     * For a Binding success response to {@code transaction}: the mapped address ({@code ip:port}),
     * or a phrase when it carries none this parser reads (IPv6). Empty for anything else.
     */
    static Optional<String> parseSuccess(ByteBuffer b, byte[] transaction) {
        if (b.remaining() < 20 || b.getShort() != BINDING_SUCCESS) {
            return Optional.empty();
        }
        int length = Short.toUnsignedInt(b.getShort());
        byte[] id = new byte[12];
        if (b.getInt() != MAGIC_COOKIE || b.remaining() < 12) {
            return Optional.empty();
        }
        b.get(id);
        if (!Arrays.equals(id, transaction) || b.remaining() < length) {
            return Optional.empty();
        }
        Optional<String> plain = Optional.empty();
        while (b.remaining() >= 4) {
            short type = b.getShort();
            int len = Short.toUnsignedInt(b.getShort());
            if (b.remaining() < len) {
                break;
            }
            ByteBuffer value = b.slice(b.position(), len);
            b.position(b.position() + ((len + 3) & ~3));
            if ((type == XOR_MAPPED_ADDRESS || type == MAPPED_ADDRESS) && len >= 8 && value.get(1) == 0x01) {
                int port = Short.toUnsignedInt(value.getShort(2));
                byte[] ip = new byte[4];
                value.get(4, ip);
                if (type == XOR_MAPPED_ADDRESS) {
                    port ^= MAGIC_COOKIE >>> 16;
                    byte[] cookie = ByteBuffer.allocate(4).putInt(MAGIC_COOKIE).array();
                    for (int i = 0; i < 4; i++) {
                        ip[i] ^= cookie[i];
                    }
                }
                try {
                    String a = InetAddress.getByAddress(ip).getHostAddress() + ":" + port;
                    if (type == XOR_MAPPED_ADDRESS) {
                        return Optional.of(a);
                    }
                    plain = Optional.of(a);
                } catch (java.net.UnknownHostException e) {
                    return Optional.empty();
                }
            }
        }
        return plain.or(() -> Optional.of("an address it did not say in IPv4"));
    }
}
