package dev.holdline.worker.room;

import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.media.MediaStream;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;
import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.ICEServer;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalTarget;
import livekit.LivekitRtc.TrackPublishedResponse;
import livekit.LivekitRtc.TrickleRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native media of one join: a {@link MediaEngine}, LiveKit's two peer connections
 * (publisher: we offer, carrying our microphone and data channels; subscriber: the server
 * offers, carrying everyone else), our audio source and the sinks on remote tracks. All methods
 * run on the room's loop thread; WebRTC callbacks are posted there.
 */
final class MediaLink {
    private static final Logger log = LoggerFactory.getLogger(MediaLink.class);
    private static final long MEDIA_CHECK_MILLIS = 20;
    private static final long MEDIA_CHECK_LIMIT_MILLIS = 10_000;

    private final RoomConnection room;
    private final String name;
    private final AudioOutput output;
    private final EnginePool pool;
    private final MediaEngine engine;
    private final PeerTransport publisher;
    private final PeerTransport subscriber;
    private final RTCDataChannel reliable;
    private final RTCDataChannel lossy;
    private final List<RTCDataChannel> serverChannels = new ArrayList<>();
    private final List<RemoteAudio> remotes = new ArrayList<>();
    private CustomAudioSource source;
    private AudioTrack track;
    private String trackCid;
    private boolean negotiating;
    private boolean mediaFlowing;
    private ScheduledFuture<?> mediaCheck;
    private long mediaCheckStarted;
    private boolean closed;

    /** A remote audio track and the sink that routes its frames to the owner's streams. */
    private static final class RemoteAudio {
        final AudioTrack track;
        final String streamId;
        final String trackId;
        volatile String identity;
        final AudioTrackSink sink;

        RemoteAudio(AudioTrack track, String streamId, String trackId, RoomConnection room) {
            this.track = track;
            this.streamId = streamId;
            this.trackId = trackId;
            this.sink = (data, bits, rate, channels, frames) -> {
                String who = identity;
                if (who != null) {
                    room.deliverAudio(who, data, bits, rate, channels, frames);
                }
            };
        }
    }

    MediaLink(RoomConnection room, String name, AudioOutput output, List<ICEServer> iceServers, EnginePool pool) {
        this.room = room;
        this.name = name;
        this.output = output;
        this.pool = pool;
        this.engine = pool.acquire();
        RTCConfiguration config = new RTCConfiguration();
        config.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE;
        for (ICEServer s : iceServers) {
            RTCIceServer ice = new RTCIceServer();
            ice.urls = new ArrayList<>(s.getUrlsList());
            ice.username = s.getUsername();
            ice.password = s.getCredential();
            config.iceServers.add(ice);
        }
        try {
            this.publisher = new PeerTransport("publisher", engine.peerConnection(config, observer(SignalTarget.PUBLISHER)));
            this.subscriber = new PeerTransport("subscriber", engine.peerConnection(config, observer(SignalTarget.SUBSCRIBER)));
            RTCDataChannelInit ordered = new RTCDataChannelInit();
            this.reliable = publisher.connection().createDataChannel("_reliable", ordered);
            RTCDataChannelInit unordered = new RTCDataChannelInit();
            unordered.maxRetransmits = 0;
            this.lossy = publisher.connection().createDataChannel("_lossy", unordered);
        } catch (RuntimeException e) {
            engine.dispose();
            throw e;
        }
        watch(reliable);
        watch(lossy);
    }

    private PeerConnectionObserver observer(SignalTarget target) {
        return new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                String json = PeerTransport.candidateJson(candidate);
                room.onLoop(() -> room.send(SignalRequest.newBuilder().setTrickle(TrickleRequest.newBuilder()
                        .setCandidateInit(json).setTarget(target)).build()));
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState state) {
                room.onLoop(() -> connectionChanged(target, state));
            }

            @Override
            public void onAddTrack(RTCRtpReceiver receiver, MediaStream[] streams) {
                MediaStreamTrack t = receiver.getTrack();
                String streamId = streams.length > 0 ? streams[0].id() : null;
                if (t instanceof AudioTrack audio) {
                    String trackId = audio.getId();
                    room.onLoop(() -> remoteTrack(audio, streamId, trackId));
                }
            }

            @Override
            public void onDataChannel(RTCDataChannel channel) {
                room.onLoop(() -> {
                    if (closed) {
                        return;
                    }
                    serverChannels.add(channel);
                    watch(channel);
                });
            }
        };
    }

    private void watch(RTCDataChannel channel) {
        channel.registerObserver(new RTCDataChannelObserver() {
            @Override
            public void onBufferedAmountChange(long previousAmount) {
            }

            @Override
            public void onStateChange() {
            }

            @Override
            public void onMessage(RTCDataChannelBuffer buffer) {
                room.dataReceived(buffer.data);
            }
        });
    }

    // ---------------------------------------------------------------- publishing

    /** Asks the server to publish our microphone; negotiation follows its {@code track_published}. */
    void publishMicrophone() {
        source = engine.audioSource();
        trackCid = "TR_local_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        track = engine.audioTrack(trackCid, source);
        room.send(SignalRequest.newBuilder().setAddTrack(AddTrackRequest.newBuilder()
                .setCid(trackCid)
                .setName("agent-voice")
                .setType(TrackType.AUDIO)
                .setSource(TrackSource.MICROPHONE)).build());
    }

    void trackPublished(TrackPublishedResponse published) throws IOException {
        if (!published.getCid().equals(trackCid) || negotiating || closed) {
            return;
        }
        negotiating = true;
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
        init.streamIds = List.of(trackCid);
        publisher.connection().addTransceiver(track, init);
        String offer = publisher.createOffer();
        publisher.setLocal(RTCSdpType.OFFER, offer);
        room.send(SignalRequest.newBuilder().setOffer(SessionDescription.newBuilder()
                .setType("offer").setSdp(offer)).build());
    }

    void publisherAnswer(SessionDescription answer) throws IOException {
        if (closed) {
            return;
        }
        publisher.setRemote(RTCSdpType.ANSWER, answer.getSdp());
    }

    void answerSubscriberOffer(SessionDescription offer) throws IOException {
        if (closed) {
            return;
        }
        subscriber.setRemote(RTCSdpType.OFFER, offer.getSdp());
        String answer = subscriber.createAnswer();
        subscriber.setLocal(RTCSdpType.ANSWER, answer);
        SessionDescription.Builder reply = SessionDescription.newBuilder().setType("answer").setSdp(answer);
        if (offer.getId() != 0) {
            reply.setId(offer.getId());
        }
        room.send(SignalRequest.newBuilder().setAnswer(reply).build());
    }

    void remoteCandidate(TrickleRequest trickle) throws IOException {
        if (closed || trickle.getCandidateInit().isEmpty()) {
            return;
        }
        PeerTransport target = trickle.getTarget() == SignalTarget.PUBLISHER ? publisher : subscriber;
        target.addRemoteCandidate(trickle.getCandidateInit());
    }

    private void connectionChanged(SignalTarget target, RTCPeerConnectionState state) {
        if (closed) {
            return;
        }
        log.debug("Room ({}): {} connection {}", name, target, state);
        if (target == SignalTarget.PUBLISHER && state == RTCPeerConnectionState.CONNECTED && !mediaFlowing
                && mediaCheck == null) {
            mediaCheckStarted = System.nanoTime();
            try {
                checkMediaFlowing();
            } catch (IOException e) {
                log.warn("Room ({}): reading media stats failed: {}", name, e.getMessage());
            }
        }
        if (state == RTCPeerConnectionState.FAILED) {
            log.warn("Room ({}): the {} peer connection failed", name, target.name().toLowerCase());
        }
    }

    /**
     * Playout starts only once the device module's own silence has gone out (packets sent) and
     * its recording thread is stopped: pushing while it runs aborts the JVM (DESIGN.md §4).
     */
    private void checkMediaFlowing() throws IOException {
        mediaCheck = null;
        if (closed || mediaFlowing) {
            return;
        }
        if (publisher.packetsSent() > 0) {
            mediaFlowing = true;
            engine.stopRecording();
            CustomAudioSource s = source;
            output.attach(pcm -> s.pushAudio(pcm, 16, AudioFrame.ROOM_RATE, 1, AudioFrame.ROOM_RATE / 100));
            log.debug("Room ({}): media flowing; playout attached", name);
            return;
        }
        if ((System.nanoTime() - mediaCheckStarted) / 1_000_000 > MEDIA_CHECK_LIMIT_MILLIS) {
            log.warn("Room ({}): no outbound audio packets {} s after connecting; the agent cannot be heard",
                    name, MEDIA_CHECK_LIMIT_MILLIS / 1000);
            return;
        }
        mediaCheck = room.schedule(() -> {
            try {
                checkMediaFlowing();
            } catch (IOException e) {
                log.warn("Room ({}): reading media stats failed: {}", name, e.getMessage());
            }
        }, MEDIA_CHECK_MILLIS);
    }

    // ---------------------------------------------------------------- receiving

    private void remoteTrack(AudioTrack audio, String streamId, String trackId) {
        if (closed) {
            return;
        }
        RemoteAudio remote = new RemoteAudio(audio, streamId, trackId, room);
        remotes.add(remote);
        map(remote);
        audio.addSink(remote.sink);
    }

    /** The participants changed: tracks that arrived before their owner was known may be mapped now. */
    void ownersChanged() {
        for (RemoteAudio r : remotes) {
            if (r.identity == null) {
                map(r);
            }
        }
    }

    private void map(RemoteAudio r) {
        Optional<Participant> owner = room.ownerOf(r.streamId, r.trackId);
        owner.ifPresent(p -> r.identity = p.identity());
    }

    // ---------------------------------------------------------------- data

    RTCDataChannel dataChannel(boolean reliableChannel) throws RoomException {
        RTCDataChannel c = reliableChannel ? reliable : lossy;
        if (c.getState() != RTCDataChannelState.OPEN) {
            throw new RoomException("the " + (reliableChannel ? "reliable" : "lossy")
                    + " data channel is not open yet (" + c.getState() + ")");
        }
        return c;
    }

    // ---------------------------------------------------------------- teardown

    /**
     * Frees the native objects in the order that was seen to work (DESIGN.md §4): sinks off,
     * connections closed, then the source; the engine (factory and device module) goes back to
     * the pool. Not {@code track.dispose()}.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mediaCheck != null) {
            mediaCheck.cancel(false);
        }
        output.detach();
        for (RemoteAudio r : remotes) {
            r.track.removeSink(r.sink);
        }
        remotes.clear();
        for (RTCDataChannel c : allChannels()) {
            c.unregisterObserver();
            c.close();
        }
        publisher.close();
        subscriber.close();
        for (RTCDataChannel c : allChannels()) {
            c.dispose();
        }
        if (source != null) {
            source.dispose();
        }
        // Back to the pool rather than disposed: a disposed factory leaks native threads.
        pool.release(engine);
    }

    private List<RTCDataChannel> allChannels() {
        List<RTCDataChannel> all = new ArrayList<>(serverChannels);
        all.add(reliable);
        all.add(lossy);
        return all;
    }
}
