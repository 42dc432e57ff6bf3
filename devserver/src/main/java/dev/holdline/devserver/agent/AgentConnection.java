package dev.holdline.devserver.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.holdline.devserver.ids.LiveKitIds;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.RegisterWorkerResponse;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerPing;
import livekit.LivekitAgent.WorkerPong;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /agent} WebSocket: decodes frames into {@code WorkerMessage}s, enforces "register
 * first, within the deadline", performs the registration handshake, and routes everything else to
 * the worker or the dispatcher.
 *
 * <p>Jetty delivers one frame at a time per connection. Decoding and the register gate run on
 * that thread; everything a registered worker asks for is posted, in arrival order, to the
 * dispatcher loop, which keeps replies and events in protocol order. Sends can come from any
 * thread and are serialized on {@link #sendLock}. Misbehaving peers are logged at WARN and survive unless the protocol leaves no
 * sensible way on (a non-register message before registration closes the socket).
 *
 * <p>Public only because Jetty binds the listener methods through method handles, which requires
 * a public class; it has no public constructor and is not part of the server's API.
 */
public final class AgentConnection implements Session.Listener.AutoDemanding {
    private static final Logger log = LoggerFactory.getLogger(AgentConnection.class);

    private final AgentContext context;
    private final String remote;
    /** Fault injection: sent right after the socket opens, before any registration. Nullable. */
    private final byte[] firstFrame;
    private final Object sendLock = new Object();

    private volatile Session session;
    /** Set once, by {@link #register}; null while unregistered. */
    private volatile Worker worker;

    // Guarded by this: the register deadline races with registration itself.
    private ScheduledFuture<?> registerDeadline;
    private boolean deadlinePassed;

    AgentConnection(AgentContext context, String remote, byte[] firstFrame) {
        this.context = context;
        this.remote = remote;
        this.firstFrame = firstFrame;
    }

    String remote() {
        return remote;
    }

    // ---- Jetty callbacks ------------------------------------------------------------------------

    @Override
    public void onWebSocketOpen(Session openedSession) {
        this.session = openedSession;
        context.openConnections().add(this);
        log.info("agent connection from {}", remote);
        context.events().publish(new AgentEvent.WorkerConnected(remote));
        if (firstFrame != null) {
            sendBinary(firstFrame);
        }
        synchronized (this) {
            try {
                registerDeadline = context.timer().schedule(this::registerDeadlinePassed,
                        context.registerTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                openedSession.close(StatusCode.SHUTDOWN, "server stopping", Callback.NOOP);
            }
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        try {
            byte[] frame = new byte[payload.remaining()];
            payload.get(frame);
            handleFrame(frame);
        } catch (RuntimeException e) {
            log.error("failed to handle a frame from {}", who(), e);
        } finally {
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketText(String text) {
        protocolError("text frame (" + text.length() + " chars) ignored: the agent protocol uses binary"
                + " protobuf frames");
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        try {
            connectionClosed(statusCode, reason);
        } finally {
            callback.succeed();
        }
    }

    private void connectionClosed(int statusCode, String reason) {
        context.openConnections().remove(this);
        synchronized (this) {
            if (registerDeadline != null) {
                registerDeadline.cancel(false);
            }
        }
        Worker registered = worker;
        if (registered == null) {
            log.info("unregistered agent connection from {} closed ({} {})", remote, statusCode, reason);
            return;
        }
        registered.markDisconnected(); // at once: no new offer may pick it from now on
        log.info("worker {} disconnected ({} {})", registered, statusCode, reason == null ? "" : reason);
        context.dispatcher().onWorkerGone(registered);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // A close callback follows; this only adds the cause for whoever debugs it.
        log.debug("agent connection {} failed: {}", who(), cause.toString());
    }

    // ---- inbound messages -----------------------------------------------------------------------

    private void handleFrame(byte[] frame) {
        WorkerMessage message;
        try {
            message = WorkerMessage.parseFrom(frame);
        } catch (InvalidProtocolBufferException e) {
            protocolError("undecodable binary frame (" + frame.length + " bytes) ignored: " + e.getMessage());
            return;
        }
        if (message.getMessageCase() == WorkerMessage.MessageCase.MESSAGE_NOT_SET) {
            protocolError(frame.length == 0
                    ? "empty WorkerMessage ignored"
                    : "WorkerMessage with no message this server knows ignored (field numbers "
                            + message.getUnknownFields().asMap().keySet() + "; is the worker newer?)");
            return;
        }
        Worker registered = worker;
        if (registered == null) {
            handleBeforeRegistration(message);
        } else {
            handleFromWorker(registered, message);
        }
    }

    private void handleBeforeRegistration(WorkerMessage message) {
        if (message.hasRegister()) {
            register(message.getRegister());
            return;
        }
        String name = caseName(message);
        protocolError("expected register as the first message, got " + name + "; closing the connection");
        close(StatusCode.POLICY_VIOLATION, "first message must be register, got " + name);
    }

    private void handleFromWorker(Worker registered, WorkerMessage message) {
        switch (message.getMessageCase()) {
            case REGISTER -> protocolError("duplicate register ignored: already registered as " + registered.id());
            case AVAILABILITY -> context.dispatcher().onAvailability(registered, message.getAvailability());
            // Status and ping are handled on the dispatcher loop too, behind the registration
            // posted there: a pong must not overtake the RegisterWorkerResponse.
            case UPDATE_WORKER -> context.dispatcher().onLoop("status of " + registered.id(),
                    () -> updateStatus(registered, message.getUpdateWorker()));
            case UPDATE_JOB -> context.dispatcher().onJobStatus(registered, message.getUpdateJob());
            case PING -> context.dispatcher().onLoop("ping from " + registered.id(), () -> pong(message.getPing()));
            case MIGRATE_JOB -> context.dispatcher().onMigrate(registered, message.getMigrateJob());
            case SIMULATE_JOB -> protocolError("simulate_job is not supported by the dev server; ignored");
            case MESSAGE_NOT_SET -> throw new AssertionError("filtered out in handleFrame");
        }
    }

    private void register(RegisterWorkerRequest request) {
        Worker registered;
        synchronized (this) {
            if (deadlinePassed) {
                return; // the socket is already being closed for being too slow
            }
            if (registerDeadline != null) {
                registerDeadline.cancel(false);
            }
            registered = new Worker(LiveKitIds.newId(LiveKitIds.WORKER), request, this);
            // From here on this socket's messages are handled as the worker's; the dispatcher
            // receives them after the registration posted below.
            worker = registered;
        }
        ServerMessage reply = ServerMessage.newBuilder()
                .setRegister(RegisterWorkerResponse.newBuilder()
                        .setWorkerId(registered.id())
                        .setServerInfo(context.serverInfo()))
                .build();
        context.dispatcher().register(registered, reply);
    }

    private void registerDeadlinePassed() {
        synchronized (this) {
            if (worker != null || deadlinePassed) {
                return;
            }
            deadlinePassed = true;
        }
        protocolError("no register message within " + context.registerTimeout().toMillis() + " ms; closing");
        close(StatusCode.POLICY_VIOLATION, "register timeout");
    }

    private void updateStatus(Worker registered, UpdateWorkerStatus update) {
        registered.updateStatus(update.hasStatus() ? update.getStatus() : null, update.getLoad(), update.getJobCount());
        log.debug("worker {} status {} load {} jobs {}",
                registered.id(), registered.status(), update.getLoad(), update.getJobCount());
        context.events().publish(new AgentEvent.StatusUpdated(
                registered.id(), registered.status(), update.getLoad(), update.getJobCount()));
    }

    private void pong(WorkerPing ping) {
        sendBinary(ServerMessage.newBuilder()
                .setPong(WorkerPong.newBuilder()
                        .setLastTimestamp(ping.getTimestamp())
                        .setTimestamp(context.clock().millis()))
                .build()
                .toByteArray());
    }

    private void protocolError(String description) {
        String who = who();
        log.warn("protocol error from {}: {}", who, description);
        context.events().publish(new AgentEvent.ProtocolError(who, description));
    }

    private String who() {
        Worker registered = worker;
        return registered != null ? registered.id() : remote;
    }

    private static String caseName(WorkerMessage message) {
        return message.getMessageCase().name().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- outbound -------------------------------------------------------------------------------

    /** Queues a binary frame; returns false if the socket is not open. Never blocks on the network. */
    boolean sendBinary(byte[] frame) {
        Session current = session;
        if (current == null || !current.isOpen()) {
            return false;
        }
        synchronized (sendLock) {
            current.sendBinary(ByteBuffer.wrap(frame), Callback.from(() -> {}, this::sendFailed));
        }
        return true;
    }

    boolean sendText(String text) {
        Session current = session;
        if (current == null || !current.isOpen()) {
            return false;
        }
        synchronized (sendLock) {
            current.sendText(text, Callback.from(() -> {}, this::sendFailed));
        }
        return true;
    }

    /** Closes gracefully with a close frame; the reason must fit a close frame (123 bytes). */
    void close(int statusCode, String reason) {
        close(statusCode, reason, Callback.NOOP);
    }

    /** As {@link #close(int, String)}; {@code sent} completes once the close frame is written (or failed). */
    void close(int statusCode, String reason, Callback sent) {
        Session current = session;
        if (current != null) {
            current.close(statusCode, reason, sent);
        } else {
            sent.succeed();
        }
    }

    /** Drops the TCP connection without a close frame, as a crashed worker would. */
    boolean disconnect() {
        Session current = session;
        if (current == null || !current.isOpen()) {
            return false;
        }
        current.disconnect();
        return true;
    }

    private void sendFailed(Throwable failure) {
        log.debug("send to {} failed: {}", who(), failure.toString());
    }
}
