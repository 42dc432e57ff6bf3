package dev.holdline.devserver.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitRtc.SignalTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's media side of one participant, through webrtc-java: one headless factory, the
 * publisher connection (the client offers, we answer and receive its tracks) and the subscriber
 * connection (we offer the relays of other participants' tracks and the data channels).
 *
 * <p>Every method runs on the participant's executor; native callbacks only post to it. The rules
 * measured for webrtc-java (DESIGN.md §4) are kept here: one factory per participant at a time
 * (pooled, see {@link EnginePool}), pushes only while the {@link SendGate} is armed, and teardown in
 * the order removeSink → close connections → dispose sources → (factory back to the pool; the
 * pool disposes factory, then module).
 */
final class MediaEndpoint implements AudioPacer.Client {
    private static final Logger log = LoggerFactory.getLogger(MediaEndpoint.class);
    private static final long ARM_POLL_MILLIS = 10;
    private static final long ARM_SLOW_POLL_MILLIS = 250;
    private static final long ARM_WARN_MILLIS = 10_000;

    private final Participant participant;
    private final RtcContext context;
    private final SendGate gate = new SendGate();
    private final DataChannels dataChannels;

    private EnginePool.Engine engine;
    private HeadlessAudioDeviceModule adm;
    private PeerConnectionFactory factory;
    private RTCPeerConnection publisher;
    private RTCPeerConnection subscriber;
    private final TransportState publisherState = new TransportState();
    private final TransportState subscriberState = new TransportState();

    /** Iterated by the pacer thread; changed only on the executor with the gate disarmed. */
    private final List<AudioRelay> relays = new CopyOnWriteArrayList<>();
    private final Map<String, AudioRelay> relaysBySid = new HashMap<>();
    private final Map<String, TrackInfo> pendingByCid = new LinkedHashMap<>();
    private final Map<String, String> trackIdsByMid = new HashMap<>();
    private final Map<String, PublishedAudio> publishedByTrackId = new HashMap<>();

    private boolean offerInFlight;
    private boolean renegotiate;
    private int negotiation;
    private boolean closed;
    private final long createdNanos = System.nanoTime();

    /** Per connection: candidates that arrive before the description they belong to. */
    private static final class TransportState {
        boolean remoteSet;
        boolean localSent;
        final List<RTCIceCandidate> pendingRemote = new ArrayList<>();
        final List<RTCIceCandidate> pendingLocal = new ArrayList<>();
        RTCPeerConnectionState state = RTCPeerConnectionState.NEW;
    }

    MediaEndpoint(Participant participant, RtcContext context) {
        this.participant = participant;
        this.context = context;
        this.dataChannels = new DataChannels(participant);
    }

    /** Creates the factory and both connections and sends the first subscriber offer. */
    void start() {
        engine = context.engines().acquire();
        adm = engine.adm();
        factory = engine.factory();
        RTCConfiguration configuration = new RTCConfiguration(); // loopback/LAN: no STUN/TURN
        publisher = factory.createPeerConnection(configuration, new Observer(SignalTarget.PUBLISHER));
        subscriber = factory.createPeerConnection(configuration, new Observer(SignalTarget.SUBSCRIBER));
        dataChannels.openOutgoing(subscriber);
        context.pacer().register(this);
        negotiateSubscriber();
    }

    // ---- publisher: the client offers ----------------------------------------------------------

    /** An {@code add_track}: remembered by cid until the track's media arrives. */
    void expectTrack(String cid, TrackInfo info) {
        pendingByCid.put(cid, info);
    }

    void onPublisherOffer(String sdp) {
        if (closed) {
            return;
        }
        trackIdsByMid.putAll(SdpTracks.trackIdsByMid(sdp));
        var executor = participant.executor();
        SessionDescriptions.setRemote(publisher, new RTCSessionDescription(RTCSdpType.OFFER, sdp))
                .thenComposeAsync(done -> {
                    publisherState.remoteSet = true;
                    flushRemoteCandidates(publisherState, publisher);
                    return SessionDescriptions.createAnswer(publisher);
                }, executor)
                .thenComposeAsync(answer -> SessionDescriptions.setLocal(publisher, answer).thenApply(done -> answer),
                        executor)
                .thenAcceptAsync(answer -> {
                    participant.sendAnswer(answer.sdp);
                    publisherState.localSent = true;
                    flushLocalCandidates(publisherState, SignalTarget.PUBLISHER);
                }, executor)
                .exceptionally(failure -> {
                    failUnlessClosed("could not apply the publisher offer (malformed SDP?): "
                            + SessionDescriptions.reason(failure));
                    return null;
                });
    }

    private void trackArrived(RTCRtpTransceiver transceiver) {
        RTCRtpReceiver receiver = transceiver.getReceiver();
        MediaStreamTrack track = receiver.getTrack();
        if (!(track instanceof AudioTrack audio)) {
            participant.signalError("a " + (track == null ? "track" : track.getKind() + " track")
                    + " arrived but the dev server forwards audio only; ignored");
            return;
        }
        String trackId = trackIdsByMid.get(transceiver.getMid());
        TrackInfo info = trackId == null ? null : pendingByCid.remove(trackId);
        if (info == null && pendingByCid.size() == 1) {
            info = pendingByCid.remove(pendingByCid.keySet().iterator().next());
        }
        if (info == null) {
            participant.signalError("an audio track (mid " + transceiver.getMid()
                    + ") arrived without a matching add_track; not forwarded");
            return;
        }
        PublishedAudio published = new PublishedAudio(
                info.toBuilder().setMid(String.valueOf(transceiver.getMid())).build(),
                participant.sid(), participant.identity(), audio);
        publishedByTrackId.put(audio.getId(), published);
        audio.addSink(published);
        participant.trackPublished(published);
    }

    private void trackRemoved(RTCRtpReceiver receiver) {
        MediaStreamTrack track = receiver.getTrack();
        PublishedAudio published = track == null ? null : publishedByTrackId.remove(track.getId());
        if (published != null) {
            published.remoteTrack().removeSink(published);
            participant.trackUnpublished(published.trackSid());
        }
    }

    // ---- subscriber: the server offers ---------------------------------------------------------

    /** Forwards {@code published} (another participant's track) to this participant. */
    void addRelay(PublishedAudio published) {
        if (closed || relaysBySid.containsKey(published.trackSid())) {
            return;
        }
        AudioRelay relay = new AudioRelay(factory, subscriber, published);
        relaysBySid.put(relay.trackSid(), relay);
        relays.add(relay);
        published.addRelay(relay);
        context.events().publish(new RtcEvent.TrackSubscribed(
                participant.roomName(), participant.identity(), relay.trackSid()));
        negotiateSubscriber();
    }

    void removeRelay(String trackSid) {
        AudioRelay relay = relaysBySid.remove(trackSid);
        if (closed || relay == null) {
            return;
        }
        gate.disarm(); // no push in flight from here on
        relays.remove(relay);
        relay.published().removeRelay(relay);
        subscriber.removeTrack(relay.sender());
        relay.disposeSource();
        negotiateSubscriber();
    }

    boolean isSubscribedTo(String trackSid) {
        return relaysBySid.containsKey(trackSid);
    }

    private void negotiateSubscriber() {
        if (closed) {
            return;
        }
        if (offerInFlight) {
            renegotiate = true;
            return;
        }
        offerInFlight = true;
        renegotiate = false;
        negotiation++;
        var executor = participant.executor();
        SessionDescriptions.createOffer(subscriber)
                .thenComposeAsync(offer -> SessionDescriptions.setLocal(subscriber, offer).thenApply(done -> offer),
                        executor)
                .thenAcceptAsync(offer -> {
                    participant.sendOffer(offer.sdp);
                    subscriberState.localSent = true;
                    flushLocalCandidates(subscriberState, SignalTarget.SUBSCRIBER);
                }, executor)
                .exceptionally(failure -> {
                    failUnlessClosed("could not create the subscriber offer: " + SessionDescriptions.reason(failure));
                    return null;
                });
    }

    void onSubscriberAnswer(String sdp) {
        if (closed) {
            return;
        }
        if (!offerInFlight) {
            participant.signalError("answer received while no subscriber offer was outstanding; ignored");
            return;
        }
        // Applying the answer starts the new send streams, and libwebrtc restarts the module's
        // recording thread with them: no push from here until it is stopped again. Relays keep
        // playing until this moment, so the gap is only the answer's start-up (a few frames).
        gate.disarm();
        SessionDescriptions.setRemote(subscriber, new RTCSessionDescription(RTCSdpType.ANSWER, sdp))
                .thenRunAsync(() -> {
                    offerInFlight = false;
                    subscriberState.remoteSet = true;
                    flushRemoteCandidates(subscriberState, subscriber);
                    if (renegotiate) {
                        negotiateSubscriber();
                    } else {
                        armWhenSending(negotiation, System.nanoTime());
                    }
                }, participant.executor())
                .exceptionally(failure -> {
                    failUnlessClosed("could not apply the subscriber answer (malformed SDP?): "
                            + SessionDescriptions.reason(failure));
                    return null;
                });
    }

    /**
     * Re-arms the gate once every relay's sender has sent packets (its send stream started, and
     * with it the module's recording thread), after stopping that thread again. Polls getStats.
     */
    private void armWhenSending(int forNegotiation, long since) {
        if (closed || forNegotiation != negotiation || offerInFlight) {
            return;
        }
        if (relays.isEmpty()) {
            gate.arm();
            return;
        }
        // Each relay's own sender must have sent: a connection-wide count could include a sender
        // that was just removed and say "all sending" before the new one started.
        List<AudioRelay> current = List.copyOf(relays);
        Set<AudioRelay> sending = ConcurrentHashMap.newKeySet();
        AtomicInteger reports = new AtomicInteger();
        for (AudioRelay relay : current) {
            subscriber.getStats(relay.sender(), report -> {
                if (hasSentAudio(report)) {
                    sending.add(relay);
                }
                if (reports.incrementAndGet() == current.size()) {
                    participant.post("stats", () -> armIfAllSending(forNegotiation, since, current, sending));
                }
            });
        }
    }

    private void armIfAllSending(int forNegotiation, long since, List<AudioRelay> checked, Set<AudioRelay> sending) {
        if (closed || forNegotiation != negotiation || offerInFlight) {
            return;
        }
        if (sending.containsAll(relays) && checked.containsAll(relays)) {
            adm.stopRecording();
            gate.arm();
            log.debug("{}: forwarding {} track(s), {} ms after the answer", participant, relays.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
            return;
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
        if (waited >= ARM_WARN_MILLIS && waited < ARM_WARN_MILLIS + ARM_SLOW_POLL_MILLIS) {
            log.warn("{}: its subscriber connection has not sent audio {} s after the answer; forwarding"
                    + " to it waits (is the client's subscriber connection up?)", participant, waited / 1000);
        }
        long delay = waited < ARM_WARN_MILLIS ? ARM_POLL_MILLIS : ARM_SLOW_POLL_MILLIS;
        context.schedule(delay, () -> participant.post("arm", () -> armWhenSending(forNegotiation, since)));
    }

    private static boolean hasSentAudio(RTCStatsReport report) {
        for (RTCStats stats : report.getStats().values()) {
            if (stats.getType() == RTCStatsType.OUTBOUND_RTP
                    && stats.getAttributes().get("packetsSent") instanceof Number sent
                    && sent.longValue() > 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void tick() {
        gate.pushIfArmed(() -> {
            for (AudioRelay relay : relays) {
                relay.pushNext();
            }
        });
    }

    // ---- ICE -------------------------------------------------------------------------------------

    void addRemoteCandidate(SignalTarget target, RTCIceCandidate candidate) {
        if (closed) {
            return;
        }
        TransportState state = target == SignalTarget.SUBSCRIBER ? subscriberState : publisherState;
        RTCPeerConnection pc = target == SignalTarget.SUBSCRIBER ? subscriber : publisher;
        if (!state.remoteSet) {
            state.pendingRemote.add(candidate);
        } else {
            addCandidate(pc, candidate);
        }
    }

    private void flushRemoteCandidates(TransportState state, RTCPeerConnection pc) {
        for (RTCIceCandidate candidate : state.pendingRemote) {
            addCandidate(pc, candidate);
        }
        state.pendingRemote.clear();
    }

    private void addCandidate(RTCPeerConnection pc, RTCIceCandidate candidate) {
        try {
            pc.addIceCandidate(candidate);
        } catch (RuntimeException | Error e) { // webrtc-java throws Error for a candidate it cannot parse
            participant.signalError("ICE candidate rejected: " + e.getMessage());
        }
    }

    private void localCandidate(SignalTarget target, RTCIceCandidate candidate) {
        TransportState state = target == SignalTarget.SUBSCRIBER ? subscriberState : publisherState;
        if (state.localSent) {
            participant.sendTrickle(target, candidate);
        } else {
            state.pendingLocal.add(candidate); // the client must see the description first
        }
    }

    private void flushLocalCandidates(TransportState state, SignalTarget target) {
        for (RTCIceCandidate candidate : state.pendingLocal) {
            participant.sendTrickle(target, candidate);
        }
        state.pendingLocal.clear();
    }

    private void connectionChanged(SignalTarget target, RTCPeerConnectionState state) {
        TransportState transport = target == SignalTarget.SUBSCRIBER ? subscriberState : publisherState;
        transport.state = state;
        log.debug("{}: {} connection {} ({} ms after the join)", participant, target, state,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - createdNanos));
        if (state == RTCPeerConnectionState.CONNECTED) {
            participant.mediaConnected();
        }
    }

    // ---- data ------------------------------------------------------------------------------------

    void sendData(boolean reliable, byte[] packet) {
        if (!closed) {
            dataChannels.send(reliable, packet);
        }
    }

    // ---- teardown --------------------------------------------------------------------------------

    private void failUnlessClosed(String description) {
        if (!closed && !participant.isTerminated()) {
            participant.fail(description);
        }
    }

    /** Releases every native object of this participant, in the order that is known to work. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        gate.disarm();
        context.pacer().unregister(this);
        for (PublishedAudio published : publishedByTrackId.values()) {
            published.remoteTrack().removeSink(published);
        }
        publishedByTrackId.clear();
        for (AudioRelay relay : relays) {
            relay.published().removeRelay(relay);
        }
        dataChannels.close();
        for (RTCPeerConnection pc : new RTCPeerConnection[] {publisher, subscriber}) {
            if (pc != null) {
                pc.close();
            }
        }
        for (AudioRelay relay : relays) {
            relay.disposeSource();
        }
        relays.clear();
        relaysBySid.clear();
        if (engine != null) {
            context.engines().release(engine); // disposed with the pool, not here (see EnginePool)
        }
    }

    List<ParticipantView.SubscriptionView> subscriptions() {
        return relays.stream().map(AudioRelay::view).toList();
    }

    Optional<PublishedAudio> published(String trackSid) {
        return publishedByTrackId.values().stream().filter(p -> p.trackSid().equals(trackSid)).findFirst();
    }

    /** Native callbacks of one connection: each is posted to the participant's executor. */
    private final class Observer implements PeerConnectionObserver {
        private final SignalTarget target;

        Observer(SignalTarget target) {
            this.target = target;
        }

        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            participant.post("local candidate", () -> localCandidate(target, candidate));
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState state) {
            participant.post("connection state", () -> connectionChanged(target, state));
        }

        @Override
        public void onDataChannel(RTCDataChannel channel) {
            participant.post("data channel", () -> {
                if (closed) {
                    channel.dispose();
                } else {
                    dataChannels.incoming(channel);
                }
            });
        }

        @Override
        public void onTrack(RTCRtpTransceiver transceiver) {
            if (target == SignalTarget.PUBLISHER) {
                participant.post("track", () -> {
                    if (!closed) {
                        trackArrived(transceiver);
                    }
                });
            }
        }

        @Override
        public void onRemoveTrack(RTCRtpReceiver receiver) {
            if (target == SignalTarget.PUBLISHER) {
                participant.post("track removed", () -> {
                    if (!closed) {
                        trackRemoved(receiver);
                    }
                });
            }
        }
    }
}
