package dev.holdline.devserver.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.Ping;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;

/**
 * A room participant that speaks only the signal protocol (no WebRTC), on the JDK's WebSocket
 * client: joins {@code /rtc} the legacy way, sends what a test tells it to, and keeps everything
 * the server sends. Waits are bounded polls, never sleeps. The server still offers it a subscriber
 * connection; it simply never answers, which the server must tolerate.
 */
public final class TestRtcClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);

    public record Close(int statusCode, String reason) {}

    private final HttpClient http;
    private final WebSocket socket;
    private final BlockingQueue<SignalResponse> inbox;
    private final List<SignalResponse> history;
    private final List<String> textFrames;
    private final CompletableFuture<Close> closed;
    /** Received, looked at by an expectation that wanted something else, not taken. Test thread only. */
    private final List<SignalResponse> unread = new java.util.ArrayList<>();
    private JoinResponse join;

    private TestRtcClient(HttpClient http, WebSocket socket, Collector collector) {
        this.http = http;
        this.socket = socket;
        this.inbox = collector.inbox;
        this.history = collector.history;
        this.textFrames = collector.textFrames;
        this.closed = collector.closed;
    }

    /** Joins through {@code <wsUrl>/rtc?access_token=...} and waits for the JoinResponse. */
    public static TestRtcClient join(String wsUrl, String token) {
        TestRtcClient client = connect(URI.create(wsUrl + "/rtc?access_token=" + URLEncoder.encode(token,
                StandardCharsets.UTF_8) + "&auto_subscribe=1&protocol=16&sdk=java-test"), null);
        client.join = client.expect(SignalResponse.MessageCase.JOIN).getJoin();
        return client;
    }

    /** Opens a socket to any URI (with a bearer token unless null); does not wait for anything. */
    public static TestRtcClient connect(URI uri, String bearerToken) {
        HttpClient http = HttpClient.newHttpClient();
        Collector collector = new Collector();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(WAIT);
        if (bearerToken != null) {
            builder.header("Authorization", "Bearer " + bearerToken);
        }
        try {
            WebSocket socket = builder.buildAsync(uri, collector).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return new TestRtcClient(http, socket, collector);
        } catch (Exception e) {
            http.close();
            throw new IllegalStateException("could not connect to " + uri.getPath(), e);
        }
    }

    public JoinResponse joinResponse() {
        return join;
    }

    public ParticipantInfo self() {
        return join.getParticipant();
    }

    public void send(SignalRequest request) {
        sendBytes(request.toByteArray());
    }

    public void sendBytes(byte[] frame) {
        socket.sendBinary(ByteBuffer.wrap(frame), true).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public void sendText(String text) {
        socket.sendText(text, true).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** Sends ping_req and waits for its pong_resp: proves the server still serves this socket. */
    public void roundTrip(long timestamp) {
        send(SignalRequest.newBuilder().setPingReq(Ping.newBuilder().setTimestamp(timestamp)).build());
        expect(r -> r.hasPongResp() && r.getPongResp().getLastPingTimestamp() == timestamp, "pong_resp " + timestamp);
    }

    /**
     * The first message of that kind not taken yet; messages of other kinds stay available for
     * later expectations (and everything stays in {@link #history()}).
     */
    public SignalResponse expect(SignalResponse.MessageCase kind) {
        return expect(r -> r.getMessageCase() == kind, kind.name());
    }

    public SignalResponse expect(Predicate<SignalResponse> match, String what) {
        for (var it = unread.iterator(); it.hasNext(); ) {
            SignalResponse earlier = it.next();
            if (match.test(earlier)) {
                it.remove();
                return earlier;
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                SignalResponse next = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    fail("no " + what + " from the server within " + WAIT + "; received " + kinds());
                }
                if (match.test(next)) {
                    return next;
                }
                unread.add(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next participant update that carries {@code identity} in {@code state}. */
    public ParticipantInfo expectUpdate(String identity, ParticipantInfo.State state) {
        SignalResponse update = expect(r -> r.hasUpdate() && r.getUpdate().getParticipantsList().stream()
                .anyMatch(p -> p.getIdentity().equals(identity) && p.getState() == state),
                "participant_update " + identity + " " + state);
        return update.getUpdate().getParticipantsList().stream()
                .filter(p -> p.getIdentity().equals(identity)).findFirst().orElseThrow();
    }

    /** Everything received so far, in order. */
    public List<SignalResponse> history() {
        return List.copyOf(history);
    }

    public List<String> textFrames() {
        return List.copyOf(textFrames);
    }

    private List<String> kinds() {
        return history.stream().map(r -> r.getMessageCase().name()).toList();
    }

    public CompletableFuture<Close> closed() {
        return closed;
    }

    public Close awaitClose() {
        return closed.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** Drops the TCP connection without a close frame or leave, like a crashed client. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        socket.abort();
        http.close();
    }

    /** Gathers fragments into whole frames and decodes them. */
    private static final class Collector implements WebSocket.Listener {
        final BlockingQueue<SignalResponse> inbox = new LinkedBlockingQueue<>();
        final List<SignalResponse> history = new CopyOnWriteArrayList<>();
        final List<String> textFrames = new CopyOnWriteArrayList<>();
        final CompletableFuture<Close> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            webSocket.request(1);
            if (last) {
                try {
                    SignalResponse response = SignalResponse.parseFrom(binary.toByteArray());
                    history.add(response);
                    inbox.add(response);
                } catch (Exception e) {
                    closed.completeExceptionally(new AssertionError("server sent an undecodable frame", e));
                }
                binary.reset();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            webSocket.request(1);
            if (last) {
                textFrames.add(text.toString());
                text.setLength(0);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Close(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(new Close(1006, String.valueOf(error)));
        }
    }
}
