package dev.holdline.devserver.rtc;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCPeerConnection;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import livekit.LivekitModels.DataPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant's data channels, LiveKit style: it sends on {@code _reliable}/{@code _lossy}
 * channels it opens on its publisher connection, and receives on channels of the same names the
 * server opens on its subscriber connection. Executor-confined except for the observers, which
 * copy what they get and post it to the participant's executor.
 */
final class DataChannels {
    private static final Logger log = LoggerFactory.getLogger(DataChannels.class);
    static final String RELIABLE = "_reliable";
    static final String LOSSY = "_lossy";
    /** Packets held for a subscriber channel that is not open yet; beyond this the oldest go. */
    private static final int MAX_PENDING = 256;

    private final Participant participant;
    private final Map<String, RTCDataChannel> outgoing = new ConcurrentHashMap<>();
    private final List<RTCDataChannel> incoming = new ArrayList<>();
    private final Deque<Pending> pending = new ArrayDeque<>();

    private record Pending(String label, byte[] packet) {}

    DataChannels(Participant participant) {
        this.participant = participant;
    }

    /** Opens the server's channels on the subscriber connection (before its first offer). */
    void openOutgoing(RTCPeerConnection subscriber) {
        RTCDataChannelInit reliable = new RTCDataChannelInit();
        reliable.ordered = true;
        RTCDataChannelInit lossy = new RTCDataChannelInit();
        lossy.ordered = false;
        lossy.maxRetransmits = 0;
        for (var entry : Map.of(RELIABLE, reliable, LOSSY, lossy).entrySet()) {
            RTCDataChannel channel = subscriber.createDataChannel(entry.getKey(), entry.getValue());
            channel.registerObserver(new Observer(entry.getKey(), false));
            outgoing.put(entry.getKey(), channel);
        }
    }

    /** A channel the client opened on its publisher connection. */
    void incoming(RTCDataChannel channel) {
        String label = channel.getLabel();
        incoming.add(channel);
        if (RELIABLE.equals(label) || LOSSY.equals(label)) {
            channel.registerObserver(new Observer(label, true));
        } else {
            log.debug("{}: ignoring data channel '{}'", participant, label);
        }
    }

    /** Sends an encoded DataPacket to this participant, or holds it until its channel opens. */
    void send(boolean reliable, byte[] packet) {
        String label = reliable ? RELIABLE : LOSSY;
        RTCDataChannel channel = outgoing.get(label);
        if (channel == null) {
            return;
        }
        if (channel.getState() != RTCDataChannelState.OPEN) {
            pending.addLast(new Pending(label, packet));
            if (pending.size() > MAX_PENDING) {
                pending.removeFirst();
            }
            return;
        }
        write(channel, packet);
    }

    private void flushPending() {
        for (int i = pending.size(); i > 0; i--) {
            Pending next = pending.removeFirst();
            RTCDataChannel channel = outgoing.get(next.label());
            if (channel != null && channel.getState() == RTCDataChannelState.OPEN) {
                write(channel, next.packet());
            } else {
                pending.addLast(next);
            }
        }
    }

    private void write(RTCDataChannel channel, byte[] packet) {
        try {
            channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(packet), true));
        } catch (Exception e) {
            log.debug("{}: data channel send failed: {}", participant, e.toString());
        }
    }

    private void received(String label, byte[] bytes) {
        DataPacket packet;
        try {
            packet = DataPacket.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            participant.signalError("undecodable data packet (" + bytes.length + " bytes) on " + label + " ignored");
            return;
        }
        participant.dataReceived(packet, RELIABLE.equals(label));
    }

    /** Detaches observers and releases the channels; before the connections close. */
    void close() {
        List<RTCDataChannel> all = new ArrayList<>(outgoing.values());
        all.addAll(incoming);
        outgoing.clear();
        incoming.clear();
        pending.clear();
        for (RTCDataChannel channel : all) {
            try {
                channel.unregisterObserver();
                channel.close();
                channel.dispose();
            } catch (RuntimeException e) {
                log.debug("{}: closing a data channel failed: {}", participant, e.toString());
            }
        }
    }

    /** Runs on the factory's network/signaling thread: copies and posts, nothing more. */
    private final class Observer implements RTCDataChannelObserver {
        private final String label;
        private final boolean fromClient;

        Observer(String label, boolean fromClient) {
            this.label = label;
            this.fromClient = fromClient;
        }

        @Override
        public void onBufferedAmountChange(long previousAmount) {}

        @Override
        public void onStateChange() {
            if (!fromClient) {
                participant.post("flush data", DataChannels.this::flushPending);
            }
        }

        @Override
        public void onMessage(RTCDataChannelBuffer buffer) {
            if (!fromClient) {
                return;
            }
            // The buffer wraps native memory that is only valid during this call.
            ByteBuffer data = buffer.data;
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            if (!buffer.binary) {
                participant.post("text data", () -> participant.signalError(
                        "text message on data channel " + label + " ignored: LiveKit data packets are binary"));
                return;
            }
            participant.post("data", () -> received(label, bytes));
        }
    }
}
