package dev.holdline.worker.room;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.holdline.worker.protocol.ProtoSocket;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.UserPacket;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.Ping;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's room: the signal socket, a {@link MediaLink} (peer connections and native media)
 * per successful join, and what outlives a rejoin — participants, audio streams, the audio
 * output, listeners. Everything that changes room state runs on one event-loop thread, so
 * signal messages and WebRTC callbacks never race each other; audio frames bypass the loop.
 * Listeners run on a second thread of their own, in order: handler code may block or call back
 * into the room ({@code sendData} from {@code onData}) without stalling signaling.
 */
final class RoomConnection implements SessionRoom {
    private static final Logger log = LoggerFactory.getLogger(RoomConnection.class);
    /** Output buffer: 200 ms keeps TTS ahead of playout and barge-in cheap. */
    private static final int OUTPUT_BUFFER_FRAMES = 20;

    private final RoomConnector connector;
    private final String url;
    private final String token;
    private final String name;
    private final ExecutorService loop;
    /** Runs listener callbacks, in order, off the loop. */
    private final ExecutorService events;
    private final AudioOutput output;
    private final List<RoomListener> listeners = new CopyOnWriteArrayList<>();
    /** By participant sid. */
    private final Map<String, Participant> participants = new ConcurrentHashMap<>();
    /** Track sid → participant sid, from the participants' track lists. */
    private final Map<String, String> trackOwners = new ConcurrentHashMap<>();
    /** By participant identity: the streams handlers opened on that participant's audio. */
    private final Map<String, List<AudioStream>> streams = new ConcurrentHashMap<>();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition participantsChanged = stateLock.newCondition();

    private volatile String roomName = "";
    private volatile String localIdentity = "";
    private volatile String localSid = "";
    private volatile boolean ended;
    private volatile boolean callerSeen;
    private volatile Runnable onCallerGone = () -> { };
    private volatile EndedListener onEnded = (lost, reason) -> { };
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onFirstAudio = new java.util.concurrent.atomic.AtomicReference<>();

    // Loop-thread state.
    private ProtoSocket<SignalResponse> socket;
    private MediaLink link;
    private CompletableFuture<Void> joined = new CompletableFuture<>();
    private ScheduledFuture<?> pinger;
    private long lastPongNanos;
    private int pingTimeoutSeconds = 15;
    private int rejoins;

    RoomConnection(RoomConnector connector, String url, String token, String name) {
        this.connector = connector;
        this.url = url;
        this.token = token;
        this.name = name;
        this.loop = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("room-" + name).factory());
        this.events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("room-events-" + name).factory());
        this.output = new AudioOutput(name, OUTPUT_BUFFER_FRAMES);
        // The room's own log lines carry the session's keys (job, session, room, profile): the
        // loop thread is one thread for the room's life, so setting them once is enough.
        Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap();
        if (mdc != null && !mdc.isEmpty()) {
            loop.execute(() -> org.slf4j.MDC.setContextMap(mdc));
            events.execute(() -> org.slf4j.MDC.setContextMap(mdc));
        }
    }

    /** Told when the last caller left (the session ends then). */
    void onCallerGone(Runnable r) {
        onCallerGone = r;
    }

    @Override
    public void endStreams() {
        streams.values().forEach(list -> list.forEach(AudioStream::close));
    }

    @Override
    public void onFirstAudio(Runnable r) {
        onFirstAudio.set(r);
    }

    void onEnded(EndedListener l) {
        onEnded = l;
    }

    // ---------------------------------------------------------------- joining

    void join() throws RoomException, InterruptedException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                openSignal();
                joined.whenComplete((v, t) -> {
                    if (t == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(t);
                    }
                });
            } catch (RoomException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get(connector.connectTimeout().toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close("join failed");
            Throwable c = e.getCause();
            throw c instanceof RoomException re ? re : new RoomException("joining the room failed: " + c.getMessage(), c);
        } catch (TimeoutException e) {
            close("join timed out");
            throw new RoomException("joining the room took longer than " + connector.connectTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            close("interrupted while joining");
            throw e;
        }
    }

    /** Loop thread. */
    private void openSignal() throws RoomException {
        ProtoSocket.Events<SignalResponse> events = new ProtoSocket.Events<>() {
            @Override
            public void onMessage(SignalResponse message) {
                onLoop(() -> handle(message));
            }

            @Override
            public void onBadFrame(String description) {
                log.warn("Room '{}' ({}): bad signal frame from the server: {}", roomName, name, description);
            }

            @Override
            public void onClosed(String why) {
                onLoop(() -> signalLost(why));
            }
        };
        try {
            socket = ProtoSocket.open(connector.http(), RoomConnector.signalUri(url, token), token,
                    connector.connectTimeout(), SignalResponse.parser(), events);
        } catch (java.net.http.WebSocketHandshakeException e) {
            int status = e.getResponse() == null ? -1 : e.getResponse().statusCode();
            String body = e.getResponse() == null || e.getResponse().body() == null ? ""
                    : String.valueOf(e.getResponse().body()).strip();
            if (body.length() > 200) {
                body = body.substring(0, 200) + "…";
            }
            String hint = status == 401 || status == 403 ? "; the room token was refused (wrong key or secret,"
                    + " expired, or no room grant)" : "";
            throw new RoomException("the server refused to join the room: HTTP " + status
                    + (body.isEmpty() ? "" : ": " + scrub(body)) + hint);
        } catch (IOException e) {
            throw new RoomException("could not open the room's signal connection: " + scrub(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoomException("interrupted while opening the signal connection");
        }
    }

    private void handle(SignalResponse m) {
        if (ended) {
            return;
        }
        if (link == null && needsMedia(m.getMessageCase())) {
            log.warn("Room '{}' ({}): {} arrived before the join response; ignored", roomName, name, m.getMessageCase());
            return;
        }
        try {
            switch (m.getMessageCase()) {
                case JOIN -> onJoin(m.getJoin());
                case OFFER -> link.answerSubscriberOffer(m.getOffer());
                case ANSWER -> link.publisherAnswer(m.getAnswer());
                case TRICKLE -> link.remoteCandidate(m.getTrickle());
                case TRACK_PUBLISHED -> link.trackPublished(m.getTrackPublished());
                case UPDATE -> m.getUpdate().getParticipantsList().forEach(this::updateParticipant);
                case LEAVE -> onServerLeave(m.getLeave());
                case PONG, PONG_RESP -> lastPongNanos = System.nanoTime();
                case RECONNECT, REFRESH_TOKEN, SPEAKERS_CHANGED, CONNECTION_QUALITY, ROOM_UPDATE, MUTE,
                     STREAM_STATE_UPDATE, SUBSCRIBED_QUALITY_UPDATE, SUBSCRIPTION_PERMISSION_UPDATE,
                     TRACK_UNPUBLISHED, SUBSCRIPTION_RESPONSE, REQUEST_RESPONSE, TRACK_SUBSCRIBED,
                     SUBSCRIBED_AUDIO_CODEC_UPDATE, MEDIA_SECTIONS_REQUIREMENT -> {
                    // Informational for an audio agent.
                }
                // A message this client does not know (a newer server): say so, carry on.
                case MESSAGE_NOT_SET -> log.info("Room '{}' ({}): ignoring a signal message of an unknown kind"
                        + " (fields {})", roomName, name, m.getUnknownFields().asMap().keySet());
                default -> log.debug("Room '{}' ({}): ignoring signal message {}", roomName, name, m.getMessageCase());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Room '{}' ({}): handling {} failed: {}", roomName, name, m.getMessageCase(), scrub(e.getMessage()));
            if (m.getMessageCase() == SignalResponse.MessageCase.JOIN) {
                joined.completeExceptionally(new RoomException("setting up media failed: " + e.getMessage(), e));
            }
        }
    }

    /** Messages about the peer connections, which exist only from the join response on. */
    private static boolean needsMedia(SignalResponse.MessageCase c) {
        return switch (c) {
            case OFFER, ANSWER, TRICKLE, TRACK_PUBLISHED -> true;
            default -> false;
        };
    }

    private void onJoin(JoinResponse join) throws IOException {
        roomName = join.getRoom().getName();
        localIdentity = join.getParticipant().getIdentity();
        localSid = join.getParticipant().getSid();
        if (join.getPingTimeout() > 0) {
            pingTimeoutSeconds = join.getPingTimeout();
        }
        java.util.Set<String> present = new java.util.HashSet<>();
        for (ParticipantInfo p : join.getOtherParticipantsList()) {
            present.add(p.getSid());
            updateParticipant(p);
        }
        // After a rejoin: whoever is gone now has left.
        for (Participant p : List.copyOf(participants.values())) {
            if (!present.contains(p.sid())) {
                removeParticipant(p.sid());
            }
        }
        link = new MediaLink(this, name, output, join.getIceServersList(), connector.engines());
        link.publishMicrophone();
        startPinging(join.getPingInterval() > 0 ? join.getPingInterval() : 5);
        log.info("Room '{}' joined as '{}' ({} other participant(s))", roomName, localIdentity, participants.size());
        joined.complete(null);
    }

    // ---------------------------------------------------------------- signal plumbing used by MediaLink

    void send(SignalRequest request) {
        ProtoSocket<SignalResponse> s = socket;
        if (s == null || s.isClosed()) {
            return;
        }
        try {
            s.send(request);
        } catch (IOException e) {
            log.debug("Room '{}' ({}): signal send failed: {}", roomName, name, e.getMessage());
        }
    }

    /** Runs {@code task} on the room's loop; dropped once the room is closed. */
    void onLoop(ThrowingTask task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (Exception e) {
                    log.warn("Room '{}' ({}): {}", roomName, name, scrub(String.valueOf(e.getMessage())), e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: late native callbacks have nothing left to update.
        }
    }

    interface ThrowingTask {
        void run() throws Exception;
    }

    ScheduledFuture<?> schedule(Runnable r, long delayMillis) {
        return connector.timer().schedule(() -> onLoop(r::run), delayMillis, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- participants

    private void updateParticipant(ParticipantInfo info) {
        if (info.getSid().equals(localSid) || info.getIdentity().equals(localIdentity)) {
            return;
        }
        if (info.getState() == ParticipantInfo.State.DISCONNECTED) {
            removeParticipant(info.getSid());
            return;
        }
        for (TrackInfo t : info.getTracksList()) {
            trackOwners.put(t.getSid(), info.getSid());
        }
        Participant p = Participant.from(info);
        Participant before = participants.put(info.getSid(), p);
        if (link != null) {
            link.ownersChanged();
        }
        if (before == null) {
            if (p.isCaller()) {
                callerSeen = true;
            }
            signalParticipants();
            log.info("Room '{}': participant '{}' joined ({})", roomName, p.identity(), p.kind());
            notifyListeners("onParticipantJoined", l -> l.onParticipantJoined(p));
        }
    }

    private void removeParticipant(String sid) {
        Participant p = participants.remove(sid);
        trackOwners.values().removeIf(sid::equals);
        if (p == null) {
            return;
        }
        signalParticipants();
        log.info("Room '{}': participant '{}' left", roomName, p.identity());
        // The session hears why first: ending the caller's streams lets the handler return, and
        // the first reason recorded wins.
        if (p.isCaller() && callerSeen && participants.values().stream().noneMatch(Participant::isCaller)) {
            onCallerGone.run();
        }
        if (participants.values().stream().noneMatch(x -> x.identity().equals(p.identity()))) {
            List<AudioStream> theirs = streams.remove(p.identity());
            if (theirs != null) {
                theirs.forEach(AudioStream::close);
            }
        }
        notifyListeners("onParticipantLeft", l -> l.onParticipantLeft(p));
    }

    private void signalParticipants() {
        stateLock.lock();
        try {
            participantsChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
    }

    /** Who owns a remote track: its stream id is {@code participantSid|trackSid} on LiveKit servers. */
    Optional<Participant> ownerOf(String streamId, String trackId) {
        String sid = trackOwners.get(trackId);
        if (sid == null && streamId != null && streamId.contains("|")) {
            sid = streamId.substring(0, streamId.indexOf('|'));
            if (!participants.containsKey(sid)) {
                String trackSid = streamId.substring(streamId.indexOf('|') + 1);
                sid = trackOwners.get(trackSid);
            }
        }
        if (sid == null && streamId != null && participants.containsKey(streamId)) {
            sid = streamId;
        }
        return sid == null ? Optional.empty() : Optional.ofNullable(participants.get(sid));
    }

    /** Audio of {@code identity} arrived (native thread): hand it to that participant's streams. */
    void deliverAudio(String identity, byte[] pcm, int bits, int rate, int channels, int frames) {
        Runnable first = onFirstAudio.get() == null ? null : onFirstAudio.getAndSet(null);
        if (first != null) {
            first.run();
        }
        List<AudioStream> theirs = streams.get(identity);
        if (theirs != null) {
            for (AudioStream s : theirs) {
                s.deliver(pcm, bits, rate, channels, frames);
            }
        }
    }

    void dataReceived(ByteBuffer data) {
        DataPacket packet;
        try {
            packet = DataPacket.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            log.warn("Room '{}' ({}): malformed data packet ({} bytes) ignored", roomName, name, data.remaining());
            return;
        }
        if (packet.getValueCase() != DataPacket.ValueCase.USER) {
            return;
        }
        UserPacket user = packet.getUser();
        String sender = !packet.getParticipantIdentity().isEmpty() ? packet.getParticipantIdentity()
                : user.getParticipantIdentity();
        DataMessage message = new DataMessage(sender, user.getTopic(), user.getPayload().toByteArray());
        notifyListeners("onData", l -> l.onData(message));
    }

    // ---------------------------------------------------------------- liveness, loss, rejoin

    private void startPinging(int intervalSeconds) {
        if (pinger != null) {
            pinger.cancel(false);
        }
        lastPongNanos = System.nanoTime();
        pinger = connector.timer().scheduleAtFixedRate(() -> onLoop(this::ping), intervalSeconds, intervalSeconds,
                TimeUnit.SECONDS);
    }

    private void ping() {
        if (ended || socket == null) {
            return;
        }
        if (System.nanoTime() - lastPongNanos > TimeUnit.SECONDS.toNanos(pingTimeoutSeconds)) {
            log.warn("Room '{}' ({}): no pong for {} s; dropping the signal connection", roomName, name,
                    pingTimeoutSeconds);
            socket.abort();
            return;
        }
        long now = System.currentTimeMillis();
        send(SignalRequest.newBuilder().setPingReq(Ping.newBuilder().setTimestamp(now)).build());
    }

    private void signalLost(String why) {
        if (ended || socket == null || !socket.isClosed()) {
            return;
        }
        if (!joined.isDone()) {
            joined.completeExceptionally(new RoomException("the server closed the signal connection before the join: "
                    + scrub(why)));
            return;
        }
        if (rejoins >= connector.reconnectAttempts()) {
            end(true, "signal connection lost and " + rejoins + " rejoin attempt(s) failed (" + scrub(why) + ")");
            return;
        }
        rejoins++;
        log.warn("Room '{}' ({}): signal connection lost ({}); rejoining (attempt {} of {})", roomName, name,
                scrub(why), rejoins, connector.reconnectAttempts());
        dropLink();
        long backoff = Math.min(500L << (rejoins - 1), 4000);
        schedule(this::rejoin, backoff);
    }

    private void rejoin() {
        if (ended) {
            return;
        }
        joined = new CompletableFuture<>();
        joined.thenRun(() -> rejoins = 0);
        try {
            openSignal();
        } catch (RoomException e) {
            log.warn("Room '{}' ({}): rejoin failed: {}", roomName, name, e.getMessage());
            signalLost(e.getMessage());
        }
    }

    private void onServerLeave(LeaveRequest leave) {
        if (leave.getAction() == LeaveRequest.Action.RESUME || leave.getAction() == LeaveRequest.Action.RECONNECT) {
            log.info("Room '{}' ({}): the server asks us to reconnect", roomName, name);
            socket.abort();
            return;
        }
        end(false, "the server closed the room connection (" + leave.getReason() + ")");
    }

    /** Loop thread: the room is over for good. */
    private void end(boolean lost, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        log.info("Room '{}' ({}): disconnected: {}", roomName, name, reason);
        teardown();
        notifyListeners("onDisconnected", l -> l.onDisconnected(reason));
        events.shutdown();
        onEnded.ended(lost, reason);
    }

    private void dropLink() {
        if (pinger != null) {
            pinger.cancel(false);
            pinger = null;
        }
        if (socket != null) {
            socket.abort();
        }
        if (link != null) {
            link.close();
            link = null;
        }
    }

    private void teardown() {
        dropLink();
        output.close();
        streams.values().forEach(list -> list.forEach(AudioStream::close));
        streams.clear();
        signalParticipants();
    }

    @Override
    public void close(String reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    if (!ended && socket != null && !socket.isClosed()) {
                        send(SignalRequest.newBuilder().setLeave(LeaveRequest.newBuilder()
                                .setReason(DisconnectReason.CLIENT_INITIATED)
                                .setAction(LeaveRequest.Action.DISCONNECT)).build());
                    }
                    if (!ended) {
                        ended = true;
                        teardown();
                        notifyListeners("onDisconnected", l -> l.onDisconnected(reason));
                    }
                } finally {
                    done.complete(null);
                }
            });
            done.get(10, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // Already closed.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Room '{}' ({}): teardown did not finish in 10 s", roomName, name);
        }
        loop.shutdown();
        // Queued callbacks (the last onDisconnected) still run; then the thread ends.
        events.shutdown();
    }

    // ---------------------------------------------------------------- Room

    @Override
    public String name() {
        return roomName;
    }

    @Override
    public String localIdentity() {
        return localIdentity;
    }

    @Override
    public List<Participant> participants() {
        return List.copyOf(participants.values());
    }

    @Override
    public Optional<Participant> waitForParticipant(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        stateLock.lock();
        try {
            while (true) {
                Optional<Participant> caller = participants.values().stream().filter(Participant::isCaller).findFirst();
                if (caller.isPresent() || ended || nanos <= 0) {
                    return caller;
                }
                nanos = participantsChanged.awaitNanos(nanos);
            }
        } finally {
            stateLock.unlock();
        }
    }

    @Override
    public AudioStream audioStream(Participant participant, int sampleRate) {
        Decimator.factorFor(sampleRate);
        List<AudioStream> list = streams.computeIfAbsent(participant.identity(), k -> new CopyOnWriteArrayList<>());
        AudioStream[] holder = new AudioStream[1];
        AudioStream s = new AudioStream(participant.identity(), sampleRate, () -> list.remove(holder[0]));
        holder[0] = s;
        list.add(s);
        if (ended || !participants.containsKey(participant.sid())) {
            s.close();
        }
        return s;
    }

    @Override
    public AudioOutput audioOutput() {
        return output;
    }

    @Override
    public void sendData(byte[] payload, String topic, boolean reliable, String... destinationIdentities)
            throws RoomException {
        DataPacket packet = DataPacket.newBuilder()
                .setKind(reliable ? DataPacket.Kind.RELIABLE : DataPacket.Kind.LOSSY)
                .setParticipantIdentity(localIdentity)
                .addAllDestinationIdentities(List.of(destinationIdentities))
                .setUser(UserPacket.newBuilder()
                        .setPayload(ByteString.copyFrom(payload))
                        .setTopic(topic == null ? "" : topic)
                        .setParticipantIdentity(localIdentity)
                        .addAllDestinationIdentities(List.of(destinationIdentities)))
                .build();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        onLoop(() -> {
            try {
                if (link == null) {
                    throw new RoomException("not connected to the room");
                }
                RTCDataChannel channel = link.dataChannel(reliable);
                channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(packet.toByteArray()), true));
                sent.complete(null);
            } catch (Exception e) {
                sent.completeExceptionally(e);
            }
        });
        try {
            sent.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoomException("interrupted while sending data");
        } catch (ExecutionException e) {
            throw new RoomException("sending data failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new RoomException("sending data timed out (room closed?)");
        }
    }

    @Override
    public void addListener(RoomListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(RoomListener listener) {
        listeners.remove(listener);
    }

    @Override
    public boolean isConnected() {
        return !ended;
    }

    @Override
    public void disconnect() {
        close("the agent left the room");
    }

    // ---------------------------------------------------------------- helpers

    private void notifyListeners(String what, java.util.function.Consumer<RoomListener> callback) {
        try {
            events.execute(() -> {
                for (RoomListener l : listeners) {
                    try {
                        callback.accept(l);
                    } catch (RuntimeException e) {
                        log.warn("Room '{}' ({}): a listener's {} threw; the others still run", roomName, name, what, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // The room has ended and told its listeners so; nothing later is news to them.
        }
    }

    /** Error texts from sockets can quote the URL, whose query carries the token. */
    static String scrub(String text) {
        if (text == null) {
            return "";
        }
        return text.replaceAll("access_token=[^&\\s]*", "access_token=<redacted>");
    }
}
