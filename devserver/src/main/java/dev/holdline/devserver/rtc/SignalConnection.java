package dev.holdline.devserver.rtc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /rtc} WebSocket: decodes {@code SignalRequest} frames (binary protobuf, or protobuf
 * JSON in text frames, answered in kind as LiveKit does), hands them to the participant, and sends
 * its {@code SignalResponse}s. Frames it cannot use are reported and skipped; the connection lives on.
 *
 * <p>Public only because Jetty binds the listener methods through method handles.
 */
public final class SignalConnection implements Session.Listener.AutoDemanding {
    private static final Logger log = LoggerFactory.getLogger(SignalConnection.class);
    private static final JsonFormat.Parser JSON_IN = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer JSON_OUT = JsonFormat.printer().omittingInsignificantWhitespace();

    private final RtcService service;
    private final JoinRequest request;
    private final Object sendLock = new Object();

    private volatile Session session;
    private volatile Participant participant;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile boolean json;

    SignalConnection(RtcService service, JoinRequest request) {
        this.service = service;
        this.request = request;
    }

    @Override
    public void onWebSocketOpen(Session opened) {
        session = opened;
        participant = service.join(this, request);
        // The silence clock starts once the client has its JoinResponse: a slow join is not its fault.
        lastReceivedNanos = System.nanoTime();
        if (participant == null) {
            opened.close(StatusCode.SHUTDOWN, "room closed or server stopping", Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        try {
            lastReceivedNanos = System.nanoTime();
            byte[] frame = new byte[payload.remaining()];
            payload.get(frame);
            SignalRequest request;
            try {
                request = SignalRequest.parseFrom(frame);
            } catch (InvalidProtocolBufferException e) {
                report("undecodable", "undecodable signal frame (" + frame.length + " bytes) ignored: "
                        + e.getMessage());
                return;
            }
            dispatch(request, frame.length);
        } catch (RuntimeException e) {
            log.error("failed to handle a signal frame from {}", who(), e);
        } finally {
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketText(String text) {
        lastReceivedNanos = System.nanoTime();
        SignalRequest.Builder request = SignalRequest.newBuilder();
        try {
            JSON_IN.merge(text, request);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            report("undecodable-json", "text signal frame (" + text.length() + " chars) is not a SignalRequest in"
                    + " protobuf JSON; ignored");
            return;
        }
        json = true;
        dispatch(request.build(), text.length());
    }

    private void dispatch(SignalRequest request, int size) {
        if (request.getMessageCase() == SignalRequest.MessageCase.MESSAGE_NOT_SET) {
            report("unknown", size == 0
                    ? "empty signal request ignored"
                    : "signal request with no message this server knows ignored (field numbers "
                            + request.getUnknownFields().asMap().keySet() + "; is the client newer?)");
            return;
        }
        Participant current = participant;
        if (current != null) {
            current.onSignal(request);
        }
    }

    private void report(String kind, String description) {
        Participant current = participant;
        if (current != null) {
            current.signalError(kind, description);
        } else {
            log.warn("{}: {}", who(), description);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        try {
            Participant current = participant;
            if (current != null) {
                current.signalClosed(statusCode, reason);
            }
        } finally {
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        log.debug("signal connection of {} failed: {}", who(), cause.toString());
    }

    /** How long since the last frame from the client. */
    long silentMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastReceivedNanos);
    }

    /** Queues a response; never blocks on the network. Dropped if the socket is gone. */
    void send(SignalResponse response) {
        Session current = session;
        if (current == null || !current.isOpen()) {
            return;
        }
        synchronized (sendLock) {
            if (json) {
                String text;
                try {
                    text = JSON_OUT.print(response);
                } catch (InvalidProtocolBufferException e) {
                    log.error("cannot print {} as JSON", response.getMessageCase(), e);
                    return;
                }
                current.sendText(text, Callback.from(() -> {}, this::sendFailed));
            } else {
                current.sendBinary(ByteBuffer.wrap(response.toByteArray()), Callback.from(() -> {}, this::sendFailed));
            }
        }
    }

    /** Sends arbitrary bytes as one binary frame (fault injection); false if the socket is gone. */
    boolean sendRaw(byte[] frame) {
        Session current = session;
        if (current == null || !current.isOpen()) {
            return false;
        }
        synchronized (sendLock) {
            current.sendBinary(ByteBuffer.wrap(frame.clone()), Callback.from(() -> {}, this::sendFailed));
        }
        return true;
    }

    /** Closes with a close frame after what is queued; the reason must fit a close frame. */
    void close(int statusCode, String reason) {
        Session current = session;
        if (current != null && current.isOpen()) {
            current.close(statusCode, reason, Callback.NOOP);
        }
    }

    /** Drops the TCP connection without a close frame (for a peer that stopped answering). */
    void disconnect() {
        Session current = session;
        if (current != null) {
            current.disconnect();
        }
    }

    private void sendFailed(Throwable failure) {
        log.debug("send to {} failed: {}", who(), failure.toString());
    }

    private String who() {
        Participant current = participant;
        return current != null ? current.toString() : "'" + request.identity() + "' from " + request.remote();
    }
}
