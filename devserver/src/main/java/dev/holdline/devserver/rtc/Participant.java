package dev.holdline.devserver.rtc;

import dev.holdline.devserver.ids.LiveKitIds;
import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.Encryption;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.ParticipantPermission;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackType;
import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.Pong;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import livekit.LivekitRtc.TrackPublishedResponse;
import livekit.LivekitRtc.TrickleRequest;
import livekit.LivekitRtc.UpdateSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant connected over {@code /rtc}: its identity and published state (what the room
 * broadcasts as ParticipantInfo), its signal connection, and its media. Signal requests and all
 * webrtc work run in order on the participant's own executor thread, so a slow or broken
 * participant never holds up another one.
 *
 * <p>Lock order: the room's lock, then this participant's; this object never calls into the room
 * while holding its own lock.
 */
final class Participant {
    private static final Logger log = LoggerFactory.getLogger(Participant.class);
    private static final String AUDIO_MIME = "audio/opus";

    private final String sid = LiveKitIds.newId(LiveKitIds.PARTICIPANT);
    private final JoinRequest join;
    private final RtcRoom room;
    private final SignalConnection signal;
    private final RtcContext context;
    private final ExecutorService executor;
    private final long joinedAtMillis;
    /** Set once the room removed it: work still in flight is abandoned quietly from then on. */
    private volatile boolean terminated;
    /** Problems already logged at WARN for this participant; repeats go to DEBUG. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** Set and used on the executor; volatile only for the views read from other threads. */
    private volatile MediaEndpoint media;

    // Guarded by this.
    private ParticipantInfo.State state = ParticipantInfo.State.JOINING;
    private final Map<String, TrackInfo> tracks = new LinkedHashMap<>();
    private int version;
    private DisconnectReason disconnectReason = DisconnectReason.UNKNOWN_REASON;

    Participant(JoinRequest join, RtcRoom room, SignalConnection signal, RtcContext context) {
        this.join = join;
        this.room = room;
        this.signal = signal;
        this.context = context;
        this.joinedAtMillis = context.clock().millis();
        this.executor = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("devserver-rtc-" + sid).factory());
    }

    String sid() {
        return sid;
    }

    String identity() {
        return join.identity();
    }

    String roomName() {
        return room.name();
    }

    JoinRequest join() {
        return join;
    }

    SignalConnection signal() {
        return signal;
    }

    Executor executor() {
        return executor;
    }

    boolean subscribesAutomatically() {
        return join.autoSubscribe() && join.claims().canSubscribe();
    }

    @Override
    public String toString() {
        return "participant '" + identity() + "' (" + sid + ") in room '" + roomName() + "'";
    }

    // ---- what the room tells about this participant -------------------------------------------

    synchronized ParticipantInfo info() {
        ParticipantInfo.Builder info = ParticipantInfo.newBuilder()
                .setSid(sid)
                .setIdentity(identity())
                .setName(join.claims().name())
                .setMetadata(join.claims().metadata())
                .putAllAttributes(join.claims().attributes())
                .setState(state)
                .setKind(kind())
                .setJoinedAt(joinedAtMillis / 1000)
                .setJoinedAtMs(joinedAtMillis)
                .setVersion(version)
                .setIsPublisher(!tracks.isEmpty())
                .setClientProtocol(0)
                .setPermission(ParticipantPermission.newBuilder()
                        .setCanPublish(join.claims().canPublish())
                        .setCanSubscribe(join.claims().canSubscribe())
                        .setCanPublishData(join.claims().canPublishData())
                        .setHidden(join.claims().hidden())
                        .setAgent(join.claims().isAgent()))
                .addAllTracks(tracks.values());
        if (state == ParticipantInfo.State.DISCONNECTED) {
            info.setDisconnectReason(disconnectReason);
        }
        return info.build();
    }

    private ParticipantInfo.Kind kind() {
        return switch (join.claims().kind()) {
            case "agent" -> ParticipantInfo.Kind.AGENT;
            case "sip" -> ParticipantInfo.Kind.SIP;
            case "ingress" -> ParticipantInfo.Kind.INGRESS;
            case "egress" -> ParticipantInfo.Kind.EGRESS;
            default -> ParticipantInfo.Kind.STANDARD;
        };
    }

    synchronized ParticipantInfo.State state() {
        return state;
    }

    /** @return whether the state changed (the room then broadcasts) */
    synchronized boolean advanceTo(ParticipantInfo.State next) {
        if (state == ParticipantInfo.State.DISCONNECTED || next.getNumber() <= state.getNumber()) {
            return false;
        }
        state = next;
        version++;
        return true;
    }

    synchronized void markDisconnected(DisconnectReason reason) {
        state = ParticipantInfo.State.DISCONNECTED;
        disconnectReason = reason;
        tracks.clear();
        version++;
    }

    synchronized void putTrack(TrackInfo track) {
        tracks.put(track.getSid(), track);
        version++;
    }

    synchronized boolean removeTrack(String trackSid) {
        boolean removed = tracks.remove(trackSid) != null;
        if (removed) {
            version++;
        }
        return removed;
    }

    synchronized boolean setMuted(String trackSid, boolean muted) {
        TrackInfo track = tracks.get(trackSid);
        if (track == null || track.getMuted() == muted) {
            return false;
        }
        tracks.put(trackSid, track.toBuilder().setMuted(muted).build());
        version++;
        return true;
    }

    synchronized List<ParticipantView.TrackView> trackViews() {
        List<ParticipantView.TrackView> views = new ArrayList<>();
        for (TrackInfo track : tracks.values()) {
            views.add(new ParticipantView.TrackView(
                    track.getSid(), track.getName(), track.getType(), track.getSource(), track.getMuted()));
        }
        return views;
    }

    // ---- inbound signal ----------------------------------------------------------------------------

    /** From the socket thread, in arrival order. Ping and leave are answered at once; the rest queue. */
    void onSignal(SignalRequest request) {
        switch (request.getMessageCase()) {
            case PING -> send(SignalResponse.newBuilder().setPong(context.clock().millis()).build());
            case PING_REQ -> send(SignalResponse.newBuilder()
                    .setPongResp(Pong.newBuilder()
                            .setLastPingTimestamp(request.getPingReq().getTimestamp())
                            .setTimestamp(context.clock().millis()))
                    .build());
            case LEAVE -> room.leave(this, DisconnectReason.CLIENT_INITIATED, false, "the client sent leave");
            default -> post("signal " + request.getMessageCase(), () -> handle(request));
        }
    }

    private void handle(SignalRequest request) {
        if (media == null) {
            return; // media failed to start; the participant is being removed
        }
        switch (request.getMessageCase()) {
            case OFFER -> media.onPublisherOffer(request.getOffer().getSdp());
            case ANSWER -> media.onSubscriberAnswer(request.getAnswer().getSdp());
            case TRICKLE -> trickle(request.getTrickle());
            case ADD_TRACK -> addTrack(request.getAddTrack());
            case MUTE -> room.setMuted(this, request.getMute().getSid(), request.getMute().getMuted());
            case SUBSCRIPTION -> subscription(request.getSubscription());
            case PUBLISH_DATA_TRACK_REQUEST, UNPUBLISH_DATA_TRACK_REQUEST, UPDATE_DATA_SUBSCRIPTION ->
                    signalError("data-tracks", request.getMessageCase().name().toLowerCase(java.util.Locale.ROOT)
                            + ": data tracks are not supported by the dev server; ignored");
            // Accepted without effect: the dev server forwards every published audio track as is.
            default -> log.debug("{}: {} accepted (no effect in the dev server)", this, request.getMessageCase());
        }
    }

    private void trickle(TrickleRequest trickle) {
        Optional<RTCIceCandidate> candidate;
        try {
            candidate = IceCandidates.fromJson(trickle.getCandidateInit());
        } catch (IllegalArgumentException e) {
            signalError("bad-trickle", "trickle ignored: " + e.getMessage());
            return;
        }
        candidate.ifPresent(c -> media.addRemoteCandidate(trickle.getTarget(), c));
    }

    private void addTrack(AddTrackRequest request) {
        if (!join.claims().canPublish()) {
            signalError("add-track-refused", "add_track '" + request.getName()
                    + "' refused: the token does not allow publishing (video.canPublish=false)");
            return;
        }
        if (request.getType() != TrackType.AUDIO) {
            signalError("not-audio", "add_track of a " + request.getType()
                    + " track accepted, but the dev server forwards audio only");
        }
        TrackInfo info = TrackInfo.newBuilder()
                .setSid(LiveKitIds.newId(LiveKitIds.TRACK))
                .setType(request.getType())
                .setName(request.getName())
                .setSource(request.getSource())
                .setMuted(request.getMuted())
                .setMimeType(request.getType() == TrackType.AUDIO ? AUDIO_MIME : "")
                .setDisableDtx(request.getDisableDtx())
                .setStereo(request.getStereo())
                .setStream(request.getStream())
                .setEncryption(Encryption.Type.NONE)
                .addAllAudioFeatures(request.getAudioFeaturesList())
                .build();
        media.expectTrack(request.getCid(), info);
        send(SignalResponse.newBuilder()
                .setTrackPublished(TrackPublishedResponse.newBuilder().setCid(request.getCid()).setTrack(info))
                .build());
    }

    private void subscription(UpdateSubscription update) {
        List<String> sids = new ArrayList<>(update.getTrackSidsList());
        update.getParticipantTracksList().forEach(pt -> sids.addAll(pt.getTrackSidsList()));
        for (String trackSid : sids) {
            if (!update.getSubscribe()) {
                media.removeRelay(trackSid);
            } else if (!media.isSubscribedTo(trackSid) && join.claims().canSubscribe()) {
                room.published(trackSid).filter(p -> !p.publisherSid().equals(sid)).ifPresent(media::addRelay);
            }
        }
    }

    // ---- from the media side (executor) -------------------------------------------------------

    void trackPublished(PublishedAudio published) {
        room.publish(this, published);
    }

    void trackUnpublished(String trackSid) {
        room.unpublish(this, trackSid);
    }

    void mediaConnected() {
        room.activate(this);
    }

    void dataReceived(DataPacket packet, boolean reliable) {
        if (!join.claims().canPublishData()) {
            signalError("data-refused", "data packet dropped: the token does not allow publishing data");
            return;
        }
        room.relayData(this, packet, reliable);
    }

    /** Runs on this participant's executor: forwards another participant's track here. */
    void subscribe(PublishedAudio published) {
        post("subscribe", () -> {
            if (media != null) {
                media.addRelay(published);
            }
        });
    }

    void unsubscribe(String trackSid) {
        post("unsubscribe", () -> {
            if (media != null) {
                media.removeRelay(trackSid);
            }
        });
    }

    void deliverData(boolean reliable, byte[] packet) {
        post("deliver data", () -> {
            if (media != null) {
                media.sendData(reliable, packet);
            }
        });
    }

    // ---- outbound signal -----------------------------------------------------------------------

    void send(SignalResponse response) {
        signal.send(response);
    }

    void sendOffer(String sdp) {
        send(SignalResponse.newBuilder()
                .setOffer(SessionDescription.newBuilder().setType("offer").setSdp(sdp))
                .build());
    }

    void sendAnswer(String sdp) {
        send(SignalResponse.newBuilder()
                .setAnswer(SessionDescription.newBuilder().setType("answer").setSdp(sdp))
                .build());
    }

    void sendTrickle(SignalTarget target, RTCIceCandidate candidate) {
        send(SignalResponse.newBuilder()
                .setTrickle(TrickleRequest.newBuilder()
                        .setTarget(target)
                        .setCandidateInit(IceCandidates.toJson(candidate)))
                .build());
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    /** After the JoinResponse went out: builds the media side on the executor. */
    void start() {
        post("start media", () -> {
            try {
                MediaEndpoint endpoint = new MediaEndpoint(this, context);
                media = endpoint;
                endpoint.start();
            } catch (RuntimeException | LinkageError e) {
                log.error("{}: could not set up WebRTC: {}", this, e.toString(), e);
                room.leave(this, DisconnectReason.MEDIA_FAILURE, true, "server could not set up WebRTC: " + e);
            }
        });
    }

    /** Queues work for this participant's thread; dropped quietly once it is torn down. */
    void post(String what, Runnable task) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (RuntimeException | Error e) {
                    // webrtc-java signals some native failures as java.lang.Error; the thread lives on.
                    log.error("{}: {} failed", this, what, e);
                }
            });
        } catch (RejectedExecutionException e) {
            log.trace("{}: {} dropped after teardown", this, what);
        }
    }

    /** A problem with what this participant sent: logged (WARN once per kind), recorded, survived. */
    void signalError(String kind, String description) {
        if (warned.add(kind)) {
            log.warn("{}: {}", this, description);
        } else {
            log.debug("{}: {}", this, description);
        }
        context.events().publish(new RtcEvent.SignalError(roomName(), identity(), description));
    }

    void signalError(String description) {
        signalError(description, description);
    }

    /** A problem that leaves this participant's connection unusable: it is removed, no one else is. */
    void fail(String description) {
        log.warn("{}: {}; removing it", this, description);
        context.events().publish(new RtcEvent.SignalError(roomName(), identity(), description + "; participant removed"));
        room.leave(this, DisconnectReason.STATE_MISMATCH, true, description);
    }

    /** The socket closed (any reason). A participant still in the room vanished without leave. */
    void signalClosed(int statusCode, String reason) {
        room.leave(this, DisconnectReason.SIGNAL_CLOSE, false,
                "signal connection closed without leave (" + statusCode + (reason == null || reason.isEmpty()
                        ? "" : " " + reason) + ")");
    }

    /**
     * Called once by the room after removing this participant: tells the client (if {@code
     * leaveReason} is set), closes the socket, and tears the media down on the executor.
     */
    void terminate(DisconnectReason leaveReason, String detail) {
        terminated = true;
        if (leaveReason != null) {
            send(SignalResponse.newBuilder()
                    .setLeave(LeaveRequest.newBuilder()
                            .setReason(leaveReason)
                            .setAction(LeaveRequest.Action.DISCONNECT))
                    .build());
        }
        signal.close(1000, closeReason(detail));
        post("teardown", () -> {
            if (media != null) {
                media.close();
            }
        });
        executor.shutdown();
    }

    /** A WebSocket close reason must fit in 123 bytes. */
    private static String closeReason(String detail) {
        byte[] bytes = detail.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length <= 120) {
            return detail;
        }
        return new String(bytes, 0, 117, java.nio.charset.StandardCharsets.UTF_8).replace("\uFFFD", "") + "...";
    }

    boolean isTerminated() {
        return terminated;
    }

    /** Removed and its media released: nothing of it is left running. */
    boolean isTornDown() {
        return terminated && executor.isTerminated();
    }

    boolean awaitTeardown(long timeoutMillis) throws InterruptedException {
        return executor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Executor-confined snapshot, taken through the executor by {@link RtcService#rooms()}. */
    List<ParticipantView.SubscriptionView> subscriptions() {
        return media == null ? List.of() : media.subscriptions();
    }
}
