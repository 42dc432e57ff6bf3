package dev.holdline.worker.room;

import dev.holdline.worker.protocol.AgentUrls;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every room of a worker shares: one HTTP client for the signal sockets and one timer for
 * pings and media checks, so a room costs no threads of its own beyond WebRTC's and its audio
 * pacer. Close it after the last room.
 */
public final class RoomConnector implements AutoCloseable {
    /** The LiveKit signal protocol version we speak (JoinResponse with subscriber_primary, ping_req). */
    static final int PROTOCOL_VERSION = 15;
    static final String SDK_VERSION = "0.1.0";

    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Duration connectTimeout;
    private final int reconnectAttempts;
    private final EnginePool engines = new EnginePool(256);

    /**
     * @param connectTimeout    how long joining may take (socket, JoinResponse)
     * @param reconnectAttempts how often a room rejoins after losing its signal connection before it gives up
     */
    public RoomConnector(Duration connectTimeout, int reconnectAttempts) {
        this.connectTimeout = connectTimeout;
        this.reconnectAttempts = reconnectAttempts;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("holdline-room-timer").factory());
    }

    /** Defaults: 10 s to join, 3 rejoin attempts. */
    public RoomConnector() {
        this(Duration.ofSeconds(10), 3);
    }

    /**
     * Makes {@code count} media engines before any session needs one, so that the first calls do
     * not wait for webrtc-java's native library and a peer connection factory (seconds on a cold,
     * busy JVM). They wait in the pool the sessions take engines from.
     */
    public void prewarm(int count) {
        List<MediaEngine> made = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                made.add(engines.acquire());
            }
        } finally {
            made.forEach(engines::release);
        }
    }

    /**
     * Joins {@code url}'s room with {@code token} and publishes a microphone track. Blocks until
     * joined.
     *
     * @param name a short name for logs and thread names (the job id)
     */
    public Room connect(String url, String token, String name, RoomListener listener)
            throws RoomException, InterruptedException {
        return connect(url, token, name, listener, null, null);
    }

    /**
     * As {@link #connect(String, String, String, RoomListener)}, for the session runtime: told
     * when the last caller leaves and when the room ends by itself.
     */
    public SessionRoom connect(String url, String token, String name, RoomListener listener,
                               Runnable onCallerGone, SessionRoom.EndedListener onEnded)
            throws RoomException, InterruptedException {
        RoomConnection room = new RoomConnection(this, url, token, name);
        if (listener != null) {
            room.addListener(listener);
        }
        if (onCallerGone != null) {
            room.onCallerGone(onCallerGone);
        }
        if (onEnded != null) {
            room.onEnded(onEnded);
        }
        room.join();
        return room;
    }

    EnginePool engines() {
        return engines;
    }

    HttpClient http() {
        return http;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    int reconnectAttempts() {
        return reconnectAttempts;
    }

    /** The signal endpoint: http→ws, path + {@code rtc}, the token in the query as LiveKit's clients send it. */
    static URI signalUri(String livekitUrl, String token) throws RoomException {
        URI rtc;
        try {
            rtc = AgentUrls.endpoint(livekitUrl, "rtc");
        } catch (IllegalArgumentException e) {
            throw new RoomException("bad room URL: " + e.getMessage());
        }
        String query = "access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + "&auto_subscribe=1&sdk=java&version=" + SDK_VERSION + "&protocol=" + PROTOCOL_VERSION
                + "&adaptive_stream=0";
        return URI.create(rtc + "?" + query);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        http.shutdownNow();
        engines.close();
    }
}
