package dev.holdline.devserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobType;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;

/**
 * A raw agent worker on the JDK's WebSocket client: sends what a test tells it to and queues what
 * the server sends. Waits are bounded polls on that queue, never sleeps.
 */
public final class TestWorker implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(5);

    /** One frame from the server: binary (bytes set) or text (text set). */
    public record Frame(byte[] bytes, String text) {
        public ServerMessage decode() {
            if (bytes == null) {
                fail("expected a binary frame, got text: " + text);
            }
            try {
                return ServerMessage.parseFrom(bytes);
            } catch (Exception e) {
                throw new AssertionError("server sent an undecodable frame", e);
            }
        }
    }

    public record Close(int statusCode, String reason) {}

    private final HttpClient http;
    private final WebSocket socket;
    private final BlockingQueue<Frame> inbox;
    private final CompletableFuture<Close> closed;
    private final AtomicReference<Function<AvailabilityRequest, AvailabilityResponse>> offerHandler;
    private volatile String workerId;

    private TestWorker(HttpClient http, WebSocket socket, BlockingQueue<Frame> inbox, CompletableFuture<Close> closed,
            AtomicReference<Function<AvailabilityRequest, AvailabilityResponse>> offerHandler) {
        this.http = http;
        this.socket = socket;
        this.inbox = inbox;
        this.closed = closed;
        this.offerHandler = offerHandler;
    }

    /** Connects to {@code <wsUrl>/agent} with {@code Authorization: Bearer token}. */
    public static TestWorker connect(String wsUrl, String token) {
        return connect(URI.create(wsUrl + "/agent"), token);
    }

    /** Connects to any URI, with a bearer token unless {@code token} is null. */
    public static TestWorker connect(URI uri, String token) {
        HttpClient http = HttpClient.newHttpClient();
        BlockingQueue<Frame> inbox = new LinkedBlockingQueue<>();
        CompletableFuture<Close> closed = new CompletableFuture<>();
        AtomicReference<Function<AvailabilityRequest, AvailabilityResponse>> offerHandler = new AtomicReference<>();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(WAIT);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            WebSocket socket = builder.buildAsync(uri, new Collector(inbox, closed, offerHandler))
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return new TestWorker(http, socket, inbox, closed, offerHandler);
        } catch (Exception e) {
            http.close();
            throw new IllegalStateException("could not connect to " + uri, e);
        }
    }

    /** Registers a room worker for {@code agentName} and returns its worker id. */
    public String register(String agentName) {
        send(WorkerMessage.newBuilder()
                .setRegister(RegisterWorkerRequest.newBuilder()
                        .setType(JobType.JT_ROOM)
                        .setAgentName(agentName)
                        .setVersion("test-1.0"))
                .build());
        ServerMessage reply = expect(ServerMessage.MessageCase.REGISTER);
        workerId = reply.getRegister().getWorkerId();
        return workerId;
    }

    public String workerId() {
        return workerId;
    }

    public void send(WorkerMessage message) {
        sendBytes(message.toByteArray());
    }

    public void sendBytes(byte[] frame) {
        socket.sendBinary(ByteBuffer.wrap(frame), true).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public void sendText(String text) {
        socket.sendText(text, true).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** The next frame, failing the test if none arrives within {@link #WAIT}. */
    public Frame nextFrame() {
        try {
            Frame frame = inbox.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(frame, "no frame from the server within " + WAIT);
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next message, which must be of the given kind. */
    public ServerMessage expect(ServerMessage.MessageCase kind) {
        ServerMessage message = nextFrame().decode();
        assertEquals(kind, message.getMessageCase(), () -> "unexpected message: " + message);
        return message;
    }

    public AvailabilityRequest expectOffer() {
        return expect(ServerMessage.MessageCase.AVAILABILITY).getAvailability();
    }

    public void answer(String jobId, boolean available) {
        answer(AvailabilityResponse.newBuilder().setJobId(jobId).setAvailable(available).build());
    }

    public void answer(AvailabilityResponse response) {
        send(WorkerMessage.newBuilder().setAvailability(response).build());
    }

    /**
     * Answers offers the moment they arrive, on the client's receive thread, as a real worker
     * would: for tests where the test thread's scheduling must not decide whether an answer beats
     * the offer timeout. The handler returns the answer, or null to stay silent. Offers still
     * show up in the inbox as well.
     */
    public void answerOffersWith(Function<AvailabilityRequest, AvailabilityResponse> handler) {
        offerHandler.set(handler);
    }

    /** Frames received but not yet taken. */
    public List<Frame> pending() {
        return List.copyOf(inbox);
    }

    /** Completes when the server closes the socket (or it fails, with status 1006). */
    public CompletableFuture<Close> closed() {
        return closed;
    }

    public Close awaitClose() {
        return closed.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** Drops the connection without a close handshake, like a crashed worker. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        socket.abort();
        http.close();
    }

    /** Gathers fragments into whole frames. */
    private static final class Collector implements WebSocket.Listener {
        private final BlockingQueue<Frame> inbox;
        private final CompletableFuture<Close> closed;
        private final AtomicReference<Function<AvailabilityRequest, AvailabilityResponse>> offerHandler;
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();

        Collector(BlockingQueue<Frame> inbox, CompletableFuture<Close> closed,
                AtomicReference<Function<AvailabilityRequest, AvailabilityResponse>> offerHandler) {
            this.inbox = inbox;
            this.closed = closed;
            this.offerHandler = offerHandler;
        }

        private void answerIfAutomatic(WebSocket webSocket, Frame frame) {
            Function<AvailabilityRequest, AvailabilityResponse> handler = offerHandler.get();
            if (handler == null) {
                return;
            }
            ServerMessage message = frame.decode();
            if (message.hasAvailability()) {
                AvailabilityResponse answer = handler.apply(message.getAvailability());
                if (answer != null) {
                    webSocket.sendBinary(ByteBuffer.wrap(
                            WorkerMessage.newBuilder().setAvailability(answer).build().toByteArray()), true);
                }
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            // Ask for more before handing the frame over: the JDK client can miss a connection
            // drop that arrives while nothing is requested, and the test may react to this frame
            // by dropping the connection.
            webSocket.request(1);
            if (last) {
                Frame frame = new Frame(binary.toByteArray(), null);
                binary.reset();
                answerIfAutomatic(webSocket, frame);
                inbox.add(frame);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            webSocket.request(1);
            if (last) {
                inbox.add(new Frame(null, text.toString()));
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
