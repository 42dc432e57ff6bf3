package dev.holdline.devserver;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.AgentService;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.devserver.agent.WorkerView;
import dev.holdline.devserver.auth.ApiKeys;
import dev.holdline.devserver.auth.TokenMinter;
import dev.holdline.devserver.auth.TokenVerifier;
import dev.holdline.devserver.room.RoomRegistry;
import dev.holdline.devserver.rtc.RoomView;
import dev.holdline.devserver.rtc.RtcEvent;
import dev.holdline.devserver.rtc.RtcHttpHandler;
import dev.holdline.devserver.rtc.RtcService;
import dev.holdline.devserver.rtc.RtcSettings;
import dev.holdline.devserver.twirp.TwirpHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import livekit.LivekitAgentDispatch.AgentDispatch;
import livekit.LivekitModels.Room;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable LiveKit-compatible server: workers connect to {@code /agent}, jobs are created
 * through the Twirp API or {@link #createDispatch}; participants join rooms over {@code /rtc}
 * (LiveKit's room signaling, legacy path), and the server relays their audio and data between
 * them through its own WebRTC connections.
 *
 * <pre>{@code
 * try (DevServer server = DevServer.builder().port(0).build().start()) {
 *     connectWorker(server.wsUrl(), "devkey", "secret");
 *     server.createDispatch("room-1", "my-agent", "");        // the agent gets a room token
 *     String caller = server.participantToken("room-1", "caller");
 *     // a client joins server.wsUrl() with that token, publishes audio, hears the agent
 * }
 * }</pre>
 *
 * A server starts once; {@link #close()} stops Jetty and every thread the server started (and
 * every native WebRTC object) and may be called any number of times. Actions need a running
 * server; {@link #workers()}, {@link #jobs()}, {@link #events()} and {@link #rtcEvents()} stay
 * readable after close, for assertions.
 */
public final class DevServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DevServer.class);

    /** Loopback only, so a dev key never faces the network by accident. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** LiveKit's default port. */
    public static final int DEFAULT_PORT = 7880;
    /** How long a worker has to answer an AvailabilityRequest; LiveKit's value. */
    public static final Duration DEFAULT_OFFER_TIMEOUT = Duration.ofSeconds(10);
    /** How long a new connection has to send its register message; LiveKit's value. */
    public static final Duration DEFAULT_REGISTER_TIMEOUT = Duration.ofSeconds(10);
    /** How often room clients are told to ping over {@code /rtc}; LiveKit's value. */
    public static final Duration DEFAULT_PING_INTERVAL = RtcSettings.DEFAULT_PING_INTERVAL;
    /**
     * How long a room participant's signal connection may stay silent before the server drops it
     * as vanished (and how long clients wait for a pong); LiveKit's ping timeout. A closed socket
     * removes the participant at once.
     */
    public static final Duration DEFAULT_SIGNAL_TIMEOUT = RtcSettings.DEFAULT_SIGNAL_TIMEOUT;
    /** Validity of {@link #participantToken} tokens. */
    public static final Duration PARTICIPANT_TOKEN_TTL = Duration.ofHours(6);

    /** Worker messages are small; the limit only keeps a broken peer from exhausting memory. */
    private static final long MAX_MESSAGE_BYTES = 1024 * 1024;
    private static final int HTTP_MAX_THREADS = 32;
    private static final int HTTP_MIN_THREADS = 2;
    /** How long close() waits for workers' close frames to be written before stopping Jetty. */
    private static final Duration CLOSE_FRAME_WAIT = Duration.ofSeconds(1);

    private enum State { NEW, RUNNING, CLOSED }

    private final String host;
    private final int requestedPort;
    private final ApiKeys keys;
    private final Duration offerTimeout;
    private final Duration registerTimeout;
    private final RtcSettings rtcSettings;

    // Guarded by this.
    private State state = State.NEW;
    private Server jetty;
    private ServerConnector connector;
    private AgentService agents;
    private RtcService rtc;
    private TokenMinter minter;

    private DevServer(Builder builder) {
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.keys = builder.keys.isEmpty() ? ApiKeys.development() : ApiKeys.of(builder.keys);
        this.offerTimeout = builder.offerTimeout;
        this.registerTimeout = builder.registerTimeout;
        this.rtcSettings = new RtcSettings(builder.pingInterval, builder.signalTimeout);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving.
     *
     * @return this
     * @throws IllegalStateException if already started or closed
     * @throws java.io.UncheckedIOException if the port cannot be bound (message names host and port)
     */
    public synchronized DevServer start() {
        if (state != State.NEW) {
            throw new IllegalStateException("a dev server starts only once; this one is " + state);
        }
        Clock clock = Clock.systemUTC();
        RoomRegistry rooms = new RoomRegistry(clock);
        agents = new AgentService(keys, rooms, offerTimeout, registerTimeout, clock);
        rtc = new RtcService(new TokenVerifier(keys), rooms, rtcSettings, AgentService.serverInfo(), clock);
        minter = new TokenMinter(keys, clock);

        QueuedThreadPool threads = new QueuedThreadPool(HTTP_MAX_THREADS, HTTP_MIN_THREADS);
        threads.setName("devserver-http");
        threads.setDaemon(true);
        jetty = new Server(threads, new ScheduledExecutorScheduler("devserver-http-scheduler", true), null);
        connector = new ServerConnector(jetty, 1, 1);
        connector.setHost(host);
        connector.setPort(requestedPort);
        jetty.addConnector(connector);

        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(jetty, container -> {
            // Zero disables the idle timeout: a worker may stay quiet between jobs, and a dead TCP
            // connection still ends the session.
            container.setIdleTimeout(Duration.ZERO);
            container.setMaxBinaryMessageSize(MAX_MESSAGE_BYTES);
            container.setMaxTextMessageSize(MAX_MESSAGE_BYTES);
            container.addMapping("/agent", agents.endpoint());
            container.addMapping("/rtc", rtc.endpoint());
            container.addMapping("/rtc/v1", rtc.v1Endpoint());
        });
        webSockets.setHandler(new RtcHttpHandler(rtc,
                new TwirpHandler(new TokenVerifier(keys), rooms, agents.dispatches(), rtc)));
        jetty.setHandler(webSockets);

        state = State.RUNNING;
        try {
            jetty.start();
        } catch (Exception e) {
            close();
            throw new java.io.UncheckedIOException(new java.io.IOException(
                    "dev server could not listen on " + host + ":" + requestedPort + ": " + e.getMessage(), e));
        }
        log.info("dev server listening on {} (workers: {}/agent, rooms: {}/rtc, API keys: {})", httpUrl(), wsUrl(),
                wsUrl(), keys.keys());
        return this;
    }

    /**
     * Sends every room participant leave (SERVER_SHUTDOWN) and releases its WebRTC objects, stops
     * the dispatcher, closes every worker socket with {@code 1001}, then stops Jetty and its
     * threads. Jobs are not failed: like a real server restart, they simply stop being tracked.
     * Idempotent.
     */
    @Override
    public void close() {
        AgentService stoppingAgents;
        RtcService stoppingRtc;
        Server stoppingJetty;
        boolean wasRunning;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            wasRunning = state == State.RUNNING;
            state = State.CLOSED;
            stoppingAgents = agents;
            stoppingRtc = rtc;
            stoppingJetty = jetty;
        }
        // Outside the lock: listeners fired by closing sockets may still read workers()/events().
        if (stoppingRtc != null) {
            stoppingRtc.close();
        }
        if (stoppingAgents != null) {
            stoppingAgents.close(CLOSE_FRAME_WAIT);
        }
        if (stoppingJetty != null) {
            try {
                stoppingJetty.stop();
            } catch (Exception e) {
                log.warn("error while stopping Jetty", e);
            }
        }
        if (wasRunning) {
            log.info("dev server stopped");
        }
    }

    /**
     * Fault injection: offer jobs to workers even when they last reported {@code WS_FULL}, as a
     * real server may when it routes before the status update arrives. A worker must then answer
     * {@code available=false} itself.
     */
    public synchronized void offerToFullWorkers(boolean enabled) {
        requireRunning();
        agents.offerToFullWorkers(enabled);
    }

    /**
     * Fault injection: job assignments from now on carry an agent token for {@code room} instead
     * of the job's own room ({@code null} restores the normal behaviour).
     */
    public synchronized void assignTokensForRoom(String room) {
        requireRunning();
        agents.assignTokensForRoom(room);
    }

    // ---- addresses ------------------------------------------------------------------------------

    /** The bound port (the real one when configured with port 0). */
    public synchronized int port() {
        requireRunning();
        return connector.getLocalPort();
    }

    /** {@code http://host:port}, for the Twirp API; a wildcard host is reported as loopback. */
    public String httpUrl() {
        return "http://" + urlHost() + ":" + port();
    }

    /** {@code ws://host:port}; workers append {@code /agent}. */
    public String wsUrl() {
        return "ws://" + urlHost() + ":" + port();
    }

    public String apiKey() {
        return keys.primaryKey();
    }

    public String apiSecret() {
        return keys.primarySecret();
    }

    private String urlHost() {
        return switch (host) {
            case "0.0.0.0", "::", "[::]", "" -> "127.0.0.1";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
    }

    // ---- observation ----------------------------------------------------------------------------

    /** Every worker that registered, connected or not. Also readable after {@link #close()}. */
    public List<WorkerView> workers() {
        return observed().workers();
    }

    /** Every job, in creation order. Also readable after {@link #close()}. */
    public List<JobView> jobs() {
        return observed().jobs();
    }

    /** Everything that happened on the agent side, in order. Also readable after {@link #close()}. */
    public List<AgentEvent> events() {
        return observed().events();
    }

    /** Called synchronously on the thread where the event happens; keep listeners quick. */
    public void addListener(Consumer<AgentEvent> listener) {
        agents().addListener(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Consumer<AgentEvent> listener) {
        agents().removeListener(listener);
    }

    // ---- rooms (/rtc) ---------------------------------------------------------------------------

    /** Rooms that have participants connected over {@code /rtc}, with who publishes what. */
    public List<RoomView> rooms() {
        return rtc().rooms();
    }

    public Optional<RoomView> room(String name) {
        return rtc().room(name);
    }

    /** Everything that happened on the room side, in order. Also readable after {@link #close()}. */
    public List<RtcEvent> rtcEvents() {
        return observedRtc().events();
    }

    /** Called synchronously on the thread where the room event happens; keep listeners quick. */
    public void addRtcListener(Consumer<RtcEvent> listener) {
        rtc().addListener(Objects.requireNonNull(listener, "listener"));
    }

    public void removeRtcListener(Consumer<RtcEvent> listener) {
        rtc().removeListener(listener);
    }

    /** Creates the room if needed, as Twirp CreateRoom does (rooms are also created on first join). */
    public Room createRoom(String name) {
        return agents().dispatches().createRoom(livekit.LivekitRoom.CreateRoomRequest.newBuilder().setName(name).build());
    }

    /**
     * A token to join {@code room} as {@code identity} over {@code /rtc} (publish, subscribe and data
     * allowed; valid for {@link #PARTICIPANT_TOKEN_TTL}), signed with the primary key pair. Agents
     * get theirs in {@code JobAssignment}; this is for callers and tests.
     */
    public String participantToken(String room, String identity) {
        return participantToken(room, identity, "", "", Map.of());
    }

    public String participantToken(String room, String identity, String name, String metadata,
            Map<String, String> attributes) {
        return minter().mintParticipantToken(
                new TokenMinter.AgentJoin(room, identity, name, metadata, attributes), PARTICIPANT_TOKEN_TTL);
    }

    /** Removes a participant as Twirp RemoveParticipant does (it gets leave); false if not there. */
    public boolean removeParticipant(String room, String identity) {
        return rtc().removeParticipant(room, identity);
    }

    // ---- actions --------------------------------------------------------------------------------

    /** Creates a dispatch (and its room if needed) exactly as the Twirp CreateDispatch does. */
    public AgentDispatch createDispatch(String room, String agentName, String metadata) {
        return agents().dispatches().create(room, agentName, metadata);
    }

    /** Deletes a dispatch as Twirp DeleteDispatch does, terminating its job. */
    public Optional<AgentDispatch> deleteDispatch(String dispatchId, String room) {
        return agents().dispatches().delete(dispatchId, room);
    }

    /**
     * Deletes a room as Twirp DeleteRoom does: its jobs are terminated and its participants get
     * leave (ROOM_DELETED) and are disconnected. False if there was no such room.
     */
    public boolean deleteRoom(String room) {
        return agents().dispatches().deleteRoom(room);
    }

    // ---- fault injection ------------------------------------------------------------------------

    /** Drops the worker's TCP connection without a close frame; false if unknown or already gone. */
    public boolean disconnectWorker(String workerId) {
        return agents().disconnectWorker(workerId);
    }

    /** Sends arbitrary bytes as one binary frame to a registered worker; false if unknown or gone. */
    public boolean sendRaw(String workerId, byte[] binaryFrame) {
        return agents().sendRaw(workerId, binaryFrame);
    }

    /** Sends a text frame (which the protocol never uses) to a registered worker. */
    public boolean sendText(String workerId, String text) {
        return agents().sendText(workerId, text);
    }

    /**
     * Sends arbitrary bytes as one binary frame on a room participant's {@code /rtc} signal
     * connection (a malformed frame, an unknown message, a bad offer); false if the participant
     * is not in that room or its socket is gone.
     */
    public boolean sendRawSignal(String room, String identity, byte[] binaryFrame) {
        return rtc().sendRawSignal(room, identity, binaryFrame);
    }

    /** The next accepted {@code /agent} connection receives this binary frame right after it opens, before it registers. */
    public void sendToNextConnection(byte[] binaryFrame) {
        agents().sendToNextConnection(binaryFrame);
    }

    private synchronized AgentService agents() {
        requireRunning();
        return agents;
    }

    private synchronized RtcService rtc() {
        requireRunning();
        return rtc;
    }

    private synchronized TokenMinter minter() {
        requireRunning();
        return minter;
    }

    private synchronized RtcService observedRtc() {
        if (rtc == null) {
            throw new IllegalStateException("the dev server has not been started");
        }
        return rtc;
    }

    /** The agent side for reading: a closed server keeps what it recorded. */
    private synchronized AgentService observed() {
        if (agents == null) {
            throw new IllegalStateException("the dev server has not been started");
        }
        return agents;
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("the dev server is " + state + "; start() it first and use it before close()");
        }
    }

    /** Options with LiveKit's defaults; see the {@code DEFAULT_*} constants. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private final Map<String, String> keys = new LinkedHashMap<>();
        private Duration offerTimeout = DEFAULT_OFFER_TIMEOUT;
        private Duration registerTimeout = DEFAULT_REGISTER_TIMEOUT;
        private Duration pingInterval = DEFAULT_PING_INTERVAL;
        private Duration signalTimeout = DEFAULT_SIGNAL_TIMEOUT;

        private Builder() {}

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** 0 picks a free port; see {@link DevServer#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Adds an accepted API key pair. Repeatable; the first pair signs the room tokens given to
         * agents. With none, the development pair {@code devkey:secret} is used.
         */
        public Builder key(String apiKey, String secret) {
            if (apiKey == null || apiKey.isBlank() || secret == null || secret.isBlank()) {
                throw new IllegalArgumentException("API key and secret must both be non-empty");
            }
            if (keys.putIfAbsent(apiKey, secret) != null) {
                throw new IllegalArgumentException("API key '" + apiKey + "' is given twice");
            }
            return this;
        }

        public Builder keys(ApiKeys apiKeys) {
            for (String key : apiKeys.keys()) {
                key(key, apiKeys.secretFor(key).orElseThrow());
            }
            return this;
        }

        public Builder offerTimeout(Duration timeout) {
            this.offerTimeout = requirePositive(timeout, "offerTimeout");
            return this;
        }

        public Builder registerTimeout(Duration timeout) {
            this.registerTimeout = requirePositive(timeout, "registerTimeout");
            return this;
        }

        /** Whole seconds, at least 1 (the JoinResponse carries seconds). */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = requirePositive(interval, "pingInterval");
            return this;
        }

        /** At least twice the ping interval; short values make vanished participants go quickly in tests. */
        public Builder signalTimeout(Duration timeout) {
            this.signalTimeout = requirePositive(timeout, "signalTimeout");
            return this;
        }

        /** @throws IllegalArgumentException if the ping interval and signal timeout conflict */
        public DevServer build() {
            return new DevServer(this);
        }

        private static Duration requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
