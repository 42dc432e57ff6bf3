package dev.holdline.worker.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
/**
 * One WebSocket carrying binary protobuf frames: the agent protocol ({@code /agent}) and room
 * signaling ({@code /rtc}) both speak this way. Gathers fragmented frames, parses them with
 * the given parser, reports anything else as a bad frame, and serialises sends (the JDK client
 * allows one outstanding send at a time).
 *
 * @param <I> the message type the server sends
 */
public final class ProtoSocket<I> implements WebSocket.Listener {

    /** What the socket reports; called on the socket's reader thread, one call at a time. */
    public interface Events<I> {
        void onMessage(I message);

        void onBadFrame(String description);

        void onClosed(String why);
    }

    private static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final Events<I> events;
    private final Parser<I> parser;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final StringBuilder pendingText = new StringBuilder();
    private volatile WebSocket ws;

    private ProtoSocket(Parser<I> parser, Events<I> events) {
        this.parser = parser;
        this.events = events;
    }

    /**
     * Opens the socket with {@code Authorization: Bearer}. Fails with the handshake's error, which
     * never contains the URI (a room URI carries its token in the query).
     */
    public static <I> ProtoSocket<I> open(HttpClient client, URI uri, String bearerToken, Duration timeout,
                                          Parser<I> parser, Events<I> events)
            throws IOException, InterruptedException {
        ProtoSocket<I> socket = new ProtoSocket<>(parser, events);
        CompletableFuture<WebSocket> future = client.newWebSocketBuilder()
                .header("Authorization", "Bearer " + bearerToken)
                .connectTimeout(timeout)
                .buildAsync(uri, socket);
        try {
            socket.ws = future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return socket;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("timed out after " + timeout.toMillis() + " ms opening a WebSocket to "
                    + uri.getHost() + ":" + uri.getPort() + uri.getPath(), e);
        }
    }

    /** Sends one message; waits until the JDK has written it. */
    public void send(MessageLite message) throws IOException {
        WebSocket socket = ws;
        if (socket == null || closed.get()) {
            throw new IOException("socket is closed");
        }
        sendLock.lock();
        try {
            socket.sendBinary(ByteBuffer.wrap(message.toByteArray()), true)
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending", e);
        } catch (ExecutionException | TimeoutException e) {
            abort();
            throw new IOException("send failed: " + e.getMessage(), e);
        } finally {
            sendLock.unlock();
        }
    }

    /** Closes politely (1000), without waiting for the server. */
    public void close() {
        closed.set(true);
        WebSocket socket = ws;
        if (socket != null && !socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "closing").exceptionally(t -> null);
        }
        if (socket != null) {
            // Do not wait for the server's close frame; a lost server would keep us here.
            socket.abort();
        }
    }

    /** Drops the connection at once. */
    public void abort() {
        WebSocket socket = ws;
        if (socket != null) {
            socket.abort();
        }
        if (closed.compareAndSet(false, true)) {
            events.onClosed("aborted");
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        this.ws = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        if (pending.size() + chunk.length > MAX_FRAME_BYTES) {
            pending.reset();
            events.onBadFrame("binary frame larger than " + MAX_FRAME_BYTES + " bytes; dropped");
        } else {
            pending.writeBytes(chunk);
        }
        if (last) {
            byte[] frame = pending.toByteArray();
            pending.reset();
            dispatch(frame);
        }
        webSocket.request(1);
        return null;
    }

    private void dispatch(byte[] frame) {
        I message;
        try {
            message = parser.parseFrom(frame);
        } catch (InvalidProtocolBufferException e) {
            events.onBadFrame("malformed protobuf frame (" + frame.length + " bytes): " + e.getMessage());
            return;
        }
        events.onMessage(message);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        pendingText.append(data, 0, Math.min(data.length(), Math.max(0, 200 - pendingText.length())));
        if (last) {
            String preview = pendingText.toString();
            pendingText.setLength(0);
            events.onBadFrame("text frame where binary protobuf was expected: \"" + preview.replaceAll("\\s+", " ") + "\"");
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        if (closed.compareAndSet(false, true)) {
            events.onClosed("server closed the socket (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")");
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        if (closed.compareAndSet(false, true)) {
            events.onClosed("socket error: " + error);
        }
    }
}
