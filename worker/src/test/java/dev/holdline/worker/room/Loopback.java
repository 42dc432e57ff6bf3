package dev.holdline.worker.room;

import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.MediaStream;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bare webrtc-java audio path with no LiveKit in between: one sending endpoint and one
 * receiving endpoint, each with its own factory, SDP and candidates handed over in-process.
 * Tests use it to pin down the native rules the room code relies on; the audio benchmark uses
 * it as the baseline cost of an endpoint.
 */
public final class Loopback implements AutoCloseable {
    final MediaEngine sendEngine;
    final MediaEngine receiveEngine;
    private final boolean ownEngines;
    final AudioOutput output;
    final AudioStream input;
    private final PeerTransport sender;
    private final PeerTransport receiver;
    private final CustomAudioSource source;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile AudioTrack remoteTrack;
    private final AudioTrackSink sink;

    public Loopback(String name) throws Exception {
        this(name, new MediaEngine(), new MediaEngine(), true);
    }

    Loopback(String name, MediaEngine send, MediaEngine receive, boolean ownEngines) throws Exception {
        this.sendEngine = send;
        this.receiveEngine = receive;
        this.ownEngines = ownEngines;
        output = new AudioOutput(name, 20);
        input = new AudioStream("sender", AudioFrame.ROOM_RATE, () -> { });
        sink = input::deliver;
        PeerTransport[] holder = new PeerTransport[2];
        sender = new PeerTransport("send", sendEngine.peerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate c) {
                holder[1].connection().addIceCandidate(c);
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState state) {
                if (state == RTCPeerConnectionState.CONNECTED) {
                    connected.complete(null);
                }
            }
        }));
        receiver = new PeerTransport("receive", receiveEngine.peerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate c) {
                holder[0].connection().addIceCandidate(c);
            }

            @Override
            public void onAddTrack(RTCRtpReceiver r, MediaStream[] streams) {
                AudioTrack t = (AudioTrack) r.getTrack();
                remoteTrack = t;
                t.addSink(sink);
            }
        }));
        holder[0] = sender;
        holder[1] = receiver;
        source = sendEngine.audioSource();
        AudioTrack track = sendEngine.audioTrack("loop-" + name, source);
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
        init.streamIds = List.of("loop-" + name);
        sender.connection().addTransceiver(track, init);
        String offer = sender.createOffer();
        sender.setLocal(RTCSdpType.OFFER, offer);
        receiver.setRemote(RTCSdpType.OFFER, offer);
        String answer = receiver.createAnswer();
        receiver.setLocal(RTCSdpType.ANSWER, answer);
        sender.setRemote(RTCSdpType.ANSWER, answer);
    }

    /** Waits until connected and packets flow, stops the recording thread, then starts playout. */
    public void startPlayout() throws Exception {
        connected.get(10, TimeUnit.SECONDS);
        // A native counter with no event of its own: poll it.
        org.awaitility.Awaitility.await("outbound packets").atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(5)).until(() -> sender.packetsSent() > 0);
        sendEngine.stopRecording();
        output.attach(pcm -> source.pushAudio(pcm, 16, AudioFrame.ROOM_RATE, 1, AudioFrame.ROOM_RATE / 100));
    }

    /** Where to write what the sending endpoint plays. */
    public AudioOutput output() {
        return output;
    }

    /** What the receiving endpoint hears. */
    public AudioStream input() {
        return input;
    }

    @Override
    public void close() {
        output.close();
        AudioTrack t = remoteTrack;
        if (t != null) {
            t.removeSink(sink);
        }
        sender.close();
        receiver.close();
        source.dispose();
        if (ownEngines) {
            sendEngine.dispose();
            receiveEngine.dispose();
        }
        input.close();
    }
}
