package dev.holdline.devserver.rtc;

import dev.holdline.devserver.auth.TokenVerifier;
import dev.holdline.devserver.events.EventLog;
import dev.holdline.devserver.room.RoomRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitModels.ServerInfo;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room side of the dev server assembled: {@code /rtc} signaling, rooms of participants with
 * server-side WebRTC connections that relay audio and data between them, liveness, events. The
 * HTTP layer mounts {@link #endpoint()}, {@link #v1Endpoint()} and {@link RtcHttpHandler}.
 *
 * <p>Threads: one pacer thread pushing forwarded audio, one timer thread (liveness checks and
 * polls), and one executor thread per connected participant; plus webrtc's native threads per
 * participant. {@link #close()} ends all of them and disposes every native object.
 */
public final class RtcService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtcService.class);
    /** How long close() waits for participants' media teardown in total. */
    private static final long TEARDOWN_WAIT_MILLIS = 15_000;

    private final RoomRegistry roomRegistry;
    private final JoinAuthorizer authorizer;
    private final RtcContext context;
    private final EventLog<RtcEvent> events = new EventLog<>();
    private final RtcEndpoint endpoint;
    private final RtcEndpoint v1Endpoint;

    // Guarded by rooms.
    private final Map<String, RtcRoom> rooms = new LinkedHashMap<>();
    private boolean closed;
    /** Everyone who joined and whose teardown close() may still have to wait for. */
    private final Set<Participant> everyone = ConcurrentHashMap.newKeySet();

    public RtcService(TokenVerifier verifier, RoomRegistry roomRegistry, RtcSettings settings, ServerInfo serverInfo,
            Clock clock) {
        this.roomRegistry = roomRegistry;
        this.authorizer = new JoinAuthorizer(verifier);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("devserver-rtc-timer").factory());
        timer.setRemoveOnCancelPolicy(true);
        this.context = new RtcContext(settings, serverInfo, events, new AudioPacer(), new EnginePool(),
                Executors.unconfigurableScheduledExecutorService(timer), clock);
        this.endpoint = new RtcEndpoint(this, false);
        this.v1Endpoint = new RtcEndpoint(this, true);
        long checkEvery = Math.max(100, Math.min(1000, settings.signalTimeout().toMillis() / 4));
        context.timer().scheduleWithFixedDelay(this::dropSilentParticipants, checkEvery, checkEvery,
                TimeUnit.MILLISECONDS);
        roomRegistry.addRemovalListener(this::roomDeleted);
        context.timer().execute(RtcService::warmUp);
    }

    /**
     * Off the request path, at start: builds the signal protocol's descriptors and loads the WebRTC
     * native library, so the first join does not pay for either (seconds on a busy machine), and a
     * machine without the library's dependencies says so at once.
     */
    private static void warmUp() {
        SignalRequest.getDescriptor();
        SignalResponse.newBuilder().setJoin(JoinResponse.getDefaultInstance()).build().toByteArray();
        try {
            Class.forName("dev.onvoid.webrtc.PeerConnectionFactory", true, RtcService.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            log.warn("the WebRTC native library could not be loaded, so rooms cannot carry media here: {}",
                    e.toString());
        }
    }

    public WebSocketCreator endpoint() {
        return endpoint;
    }

    public WebSocketCreator v1Endpoint() {
        return v1Endpoint;
    }

    JoinAuthorizer authorizer() {
        return authorizer;
    }

    void refused(String remote, JoinRefusedException refusal) {
        log.warn("refused room join from {}: {} {}", remote, refusal.status(), refusal.getMessage());
        events.publish(new RtcEvent.JoinRefused(remote, refusal.status(), refusal.getMessage()));
    }

    /** Adds the connection's participant to its room; null if the server is stopping. */
    Participant join(SignalConnection connection, JoinRequest request) {
        synchronized (rooms) {
            if (closed) {
                return null;
            }
            Room room = roomRegistry.getOrCreate(request.room());
            RtcRoom rtcRoom = rooms.get(room.getName());
            if (rtcRoom == null || !rtcRoom.room().getSid().equals(room.getSid())) {
                RtcRoom created = new RtcRoom(room, context, () -> roomEmptied(room.getName()));
                rooms.put(room.getName(), created);
                rtcRoom = created;
            }
            Participant participant = new Participant(request, rtcRoom, connection, context);
            if (!rtcRoom.join(participant)) {
                return null;
            }
            // Forget those whose teardown is over, so a long-lived room does not pile them up.
            everyone.removeIf(Participant::isTornDown);
            everyone.add(participant);
            return participant;
        }
    }

    private void roomEmptied(String name) {
        synchronized (rooms) {
            RtcRoom room = rooms.get(name);
            if (room != null && room.isEmpty()) {
                rooms.remove(name);
            }
        }
        everyone.removeIf(Participant::isTornDown);
    }

    /** A room deleted through the API (or {@code DevServer.deleteRoom}): its participants are told and removed. */
    private void roomDeleted(Room room) {
        RtcRoom rtcRoom;
        synchronized (rooms) {
            rtcRoom = rooms.remove(room.getName());
        }
        if (rtcRoom != null) {
            rtcRoom.close(DisconnectReason.ROOM_DELETED, "room deleted");
        }
    }

    /**
     * Removes participants whose signal connection has been silent past the timeout: a client
     * that vanished without a FIN (network gone, process frozen) never closes its socket.
     */
    private void dropSilentParticipants() {
        long timeout = context.settings().signalTimeout().toMillis();
        for (RtcRoom room : roomsSnapshot()) {
            for (Participant participant : room.participants()) {
                long silent = participant.signal().silentMillis();
                if (silent > timeout) {
                    room.leave(participant, DisconnectReason.SIGNAL_CLOSE, false,
                            "no signal message for " + silent + " ms (timeout " + timeout + " ms)");
                    participant.signal().disconnect();
                }
            }
        }
    }

    private List<RtcRoom> roomsSnapshot() {
        synchronized (rooms) {
            return new ArrayList<>(rooms.values());
        }
    }

    // ---- observation and actions ------------------------------------------------------------------

    public List<RoomView> rooms() {
        return roomsSnapshot().stream().map(RtcRoom::view).toList();
    }

    public Optional<RoomView> room(String name) {
        return roomsSnapshot().stream().filter(r -> r.name().equals(name)).findFirst().map(RtcRoom::view);
    }

    /** The participants of a room as LiveKit describes them (RoomService.ListParticipants). */
    public List<ParticipantInfo> participants(String roomName) {
        for (RtcRoom room : roomsSnapshot()) {
            if (room.name().equals(roomName)) {
                return room.participants().stream().map(Participant::info).toList();
            }
        }
        return List.of();
    }

    /** Removes a participant as RoomService.RemoveParticipant does; false if not in that room. */
    public boolean removeParticipant(String roomName, String identity) {
        for (RtcRoom room : roomsSnapshot()) {
            Optional<Participant> p = room.name().equals(roomName) ? member(room, identity) : Optional.empty();
            if (p.isPresent()) {
                room.leave(p.get(), DisconnectReason.PARTICIPANT_REMOVED, true, "removed by the server API");
                return true;
            }
        }
        return false;
    }

    /** Sends {@code frame} as one binary signal frame to a participant; false if not in that room. */
    public boolean sendRawSignal(String roomName, String identity, byte[] frame) {
        return roomsSnapshot().stream().filter(room -> room.name().equals(roomName))
                .flatMap(room -> member(room, identity).stream())
                .findFirst().map(p -> p.signal().sendRaw(frame)).orElse(false);
    }

    private static Optional<Participant> member(RtcRoom room, String identity) {
        return room.participants().stream().filter(p -> p.identity().equals(identity)).findFirst();
    }

    public List<RtcEvent> events() {
        return events.snapshot();
    }

    public void addListener(Consumer<RtcEvent> listener) {
        events.addListener(listener);
    }

    public void removeListener(Consumer<RtcEvent> listener) {
        events.removeListener(listener);
    }

    /**
     * Tells every participant the server is going away (leave, SERVER_SHUTDOWN), tears their media
     * down, disposes the pooled factories, then stops the pacer and timer threads. Waits at most
     * 15 s for native teardown.
     */
    @Override
    public void close() {
        List<RtcRoom> closing;
        synchronized (rooms) {
            if (closed) {
                return;
            }
            closed = true;
            closing = new ArrayList<>(rooms.values());
            rooms.clear();
        }
        for (RtcRoom room : closing) {
            room.close(DisconnectReason.SERVER_SHUTDOWN, "server shutting down");
        }
        long deadline = System.currentTimeMillis() + TEARDOWN_WAIT_MILLIS;
        try {
            for (Participant participant : everyone) {
                long left = Math.max(0, deadline - System.currentTimeMillis());
                if (!participant.awaitTeardown(left)) {
                    log.warn("{}: media teardown did not finish within {} ms", participant, TEARDOWN_WAIT_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        everyone.clear();
        context.engines().close();
        context.pacer().close();
        context.timer().shutdownNow();
        try {
            context.timer().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
