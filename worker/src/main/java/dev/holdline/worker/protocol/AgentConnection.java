package dev.holdline.worker.protocol;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.RegisterWorkerResponse;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerPing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's connection to the LiveKit server's agent endpoint: connect with a fresh token,
 * register, hand server messages on, and when the socket is lost reconnect with backoff
 * ({@code min(base·n, max)}), re-register and tell the listener so it can migrate its jobs.
 * Sessions never depend on this socket: losing it only pauses offers and status.
 */
public final class AgentConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentConnection.class);

    /** Connection state, as health checks and status pages show it. */
    public enum State { CONNECTING, REGISTERED, RECONNECTING, GAVE_UP, CLOSED }

    /** What the connection reports. Calls come from the connection's threads. */
    public interface Listener {
        /** Registered; {@code reconnect} is false the first time. Runs before any server message is handed on. */
        void onRegistered(String workerId, boolean reconnect);

        /** A server message after registration, on the socket's reader thread (keep it short). */
        void onMessage(ServerMessage message);

        /** The socket was lost; reconnecting follows. */
        void onDisconnected(String why);

        /** Every retry failed; the connection is closed for good. */
        void onGaveUp(Exception lastError);
    }

    /**
     * @param livekitUrl         the server URL as configured (http/https/ws/wss)
     * @param apiKey             API key (also the token's issuer); may be logged
     * @param apiSecret          API secret; never logged
     * @param register           the registration request sent on every connect
     * @param connectTimeout     WebSocket handshake timeout
     * @param registerTimeout    how long to wait for {@code RegisterWorkerResponse}
     * @param maxRetries         reconnect attempts after a failure before giving up
     * @param backoffStep        delay before retry n is {@code min(n·step, backoffMax)}
     * @param backoffMax         the largest delay between retries
     * @param silenceTimeout     a registered socket that brings nothing (not even a pong) for this long is dropped
     */
    public record Options(String livekitUrl, String apiKey, String apiSecret, RegisterWorkerRequest register,
                          Duration connectTimeout, Duration registerTimeout, int maxRetries,
                          Duration backoffStep, Duration backoffMax, Duration silenceTimeout) {
        @Override
        public String toString() {
            // The secret stays out of every log line and error.
            return "AgentConnection.Options[url=" + livekitUrl + ", apiKey=" + apiKey + ", agent="
                    + register.getAgentName() + ", maxRetries=" + maxRetries + "]";
        }
    }

    private final Options options;
    private final Listener listener;
    private final URI endpoint;
    private final HttpClient http;
    private final Object stateLock = new Object();
    private final List<WorkerMessage> heldJobUpdates = new ArrayList<>();
    /**
     * Job updates written to the current socket that no pong has confirmed yet, with the write
     * sequence they went out at. A socket the server already dropped still takes writes until we
     * notice; what went into it is re-sent after the next registration (a repeat is harmless:
     * the server ignores updates for a job that has ended).
     */
    private final ArrayDeque<SentUpdate> unconfirmedJobUpdates = new ArrayDeque<>();
    /** Ping timestamp → the write sequence it went out at; a pong confirms everything written before. */
    private final Map<Long, Long> pingsInFlight = new HashMap<>();
    private long writeSequence;
    private final AtomicInteger connects = new AtomicInteger();
    private volatile State state = State.CONNECTING;
    private volatile ProtoSocket<ServerMessage> socket;
    private volatile String workerId = "";
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile boolean closing;
    private Thread loop;

    public AgentConnection(Options options, Listener listener) {
        this.options = options;
        this.listener = listener;
        this.endpoint = AgentUrls.agentEndpoint(options.livekitUrl());
        this.http = HttpClient.newBuilder().connectTimeout(options.connectTimeout()).build();
    }

    /** Starts connecting in the background. */
    public synchronized void start() {
        if (loop != null) {
            throw new IllegalStateException("AgentConnection already started");
        }
        loop = Thread.ofVirtual().name("holdline-agent-connection").start(this::run);
    }

    public State state() {
        return state;
    }

    public boolean isRegistered() {
        return state == State.REGISTERED;
    }

    /** The id the server gave at the last registration; empty before the first. */
    public String workerId() {
        return workerId;
    }

    /** Successful connections (registrations) so far. */
    public int registrations() {
        return connects.get();
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * Sends a message when registered. Job status updates are held while disconnected and sent
     * after the next registration (the server must learn how a job ended); other messages are
     * dropped then, being stale by the time we are back.
     *
     * @return true if it was written now
     */
    public boolean send(WorkerMessage message) {
        // The state check and the write share the lock with requeueUnconfirmed, so an update is
        // either on the old socket's unconfirmed list when it is requeued, or held.
        synchronized (heldJobUpdates) {
            ProtoSocket<ServerMessage> s = socket;
            if (state == State.REGISTERED && s != null && !s.isClosed()) {
                try {
                    s.send(message);
                    long seq = ++writeSequence;
                    switch (message.getMessageCase()) {
                        case UPDATE_JOB -> unconfirmedJobUpdates.add(new SentUpdate(seq, message));
                        case PING -> pingsInFlight.put(message.getPing().getTimestamp(), seq);
                        default -> {
                        }
                    }
                    return true;
                } catch (IOException e) {
                    log.debug("Send failed ({}); the reconnect loop will take over", e.getMessage());
                }
            }
            if (message.getMessageCase() == WorkerMessage.MessageCase.UPDATE_JOB) {
                heldJobUpdates.add(message);
            }
            return false;
        }
    }

    /**
     * Pings the server, and drops the socket when the server has been silent past the silence
     * timeout: a half-open TCP connection (server gone without a FIN) would otherwise look alive
     * until the kernel gives up, and offers would stop without anyone noticing. Call it on the
     * status tick.
     */
    public void keepAlive() {
        ProtoSocket<ServerMessage> s = socket;
        if (state != State.REGISTERED || s == null) {
            return;
        }
        long silentNanos = System.nanoTime() - lastHeardNanos;
        if (silentNanos > options.silenceTimeout().toNanos()) {
            log.warn("No word from LiveKit for {} ms (not even a pong); dropping the socket to reconnect",
                    silentNanos / 1_000_000);
            s.abort();
            return;
        }
        send(WorkerMessage.newBuilder().setPing(WorkerPing.newBuilder().setTimestamp(System.currentTimeMillis())).build());
    }

    private record SentUpdate(long sequence, WorkerMessage message) {
    }

    /** A pong: every job update written before its ping reached the server. */
    private void confirmed(long pingTimestamp) {
        synchronized (heldJobUpdates) {
            Long seq = pingsInFlight.remove(pingTimestamp);
            if (seq == null) {
                return;
            }
            pingsInFlight.values().removeIf(s -> s < seq);
            while (!unconfirmedJobUpdates.isEmpty() && unconfirmedJobUpdates.peekFirst().sequence() < seq) {
                unconfirmedJobUpdates.removeFirst();
            }
        }
    }

    /** The socket is lost: what it never confirmed goes back in front of what was held since. */
    private void requeueUnconfirmed() {
        synchronized (heldJobUpdates) {
            List<WorkerMessage> again = unconfirmedJobUpdates.stream().map(SentUpdate::message).toList();
            if (!again.isEmpty()) {
                log.info("Re-sending {} job status update(s) the lost connection never confirmed", again.size());
            }
            heldJobUpdates.addAll(0, again);
            unconfirmedJobUpdates.clear();
            pingsInFlight.clear();
        }
    }

    /** Sends the job updates held during a disconnection. */
    public void flushHeldJobUpdates() {
        List<WorkerMessage> held;
        synchronized (heldJobUpdates) {
            held = new ArrayList<>(heldJobUpdates);
            heldJobUpdates.clear();
        }
        for (WorkerMessage m : held) {
            send(m);
        }
    }

    @Override
    public void close() {
        closing = true;
        state = State.CLOSED;
        ProtoSocket<ServerMessage> s = socket;
        if (s != null) {
            s.close();
        }
        Thread t;
        synchronized (this) {
            t = loop;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Leave no selector or worker threads behind.
        http.shutdownNow();
    }

    private void run() {
        Retry retry = Retry.of("livekit-agent-connect", RetryConfig.custom()
                .maxAttempts(options.maxRetries() + 1)
                .intervalFunction((IntervalFunction) attempt -> Math.min(
                        options.backoffStep().toMillis() * attempt, options.backoffMax().toMillis()))
                .retryOnException(e -> !closing)
                .failAfterMaxAttempts(true)
                .build());
        retry.getEventPublisher().onRetry(e -> log.warn("Connecting to LiveKit at {} failed: {}; retry {} of {} in {} ms",
                endpoint, describe(e.getLastThrowable()),
                e.getNumberOfRetryAttempts(), options.maxRetries(), e.getWaitInterval().toMillis()));
        boolean reconnect = false;
        while (!closing) {
            Session session;
            try {
                session = retry.executeCheckedSupplier(this::connectAndRegister);
            } catch (Throwable e) {
                if (closing) {
                    return;
                }
                state = State.GAVE_UP;
                Exception error = e instanceof Exception ex ? ex : new IOException(e);
                log.error("Giving up on LiveKit at {} after {} retries: {}", endpoint, options.maxRetries(), describe(e));
                listener.onGaveUp(error);
                return;
            }
            connects.incrementAndGet();
            state = State.REGISTERED;
            log.info("Registered with LiveKit at {} as worker {} (agent '{}')", endpoint, workerId,
                    options.register().getAgentName());
            try {
                listener.onRegistered(workerId, reconnect);
            } catch (RuntimeException e) {
                log.error("The registration listener failed", e);
            }
            session.ready.countDown();
            try {
                String why = session.closed.get();
                if (closing) {
                    return;
                }
                state = State.RECONNECTING;
                requeueUnconfirmed();
                log.warn("Lost the LiveKit connection ({}); sessions keep running, reconnecting", why);
                listener.onDisconnected(why);
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException e) {
                state = State.RECONNECTING;
                requeueUnconfirmed();
            }
            reconnect = true;
        }
    }

    /** One connected socket and its registration. */
    private final class Session implements ProtoSocket.Events<ServerMessage> {
        final CompletableFuture<RegisterWorkerResponse> registered = new CompletableFuture<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        /** Server messages wait here until the listener has heard of the registration. */
        final CountDownLatch ready = new CountDownLatch(1);

        @Override
        public void onMessage(ServerMessage message) {
            lastHeardNanos = System.nanoTime();
            if (!registered.isDone()) {
                if (message.getMessageCase() == ServerMessage.MessageCase.REGISTER) {
                    registered.complete(message.getRegister());
                } else {
                    log.warn("LiveKit sent {} before answering our registration; ignored", describe(message));
                }
                return;
            }
            if (message.getMessageCase() == ServerMessage.MessageCase.REGISTER) {
                log.warn("LiveKit sent a second registration answer (worker id {}); ignored",
                        message.getRegister().getWorkerId());
                return;
            }
            if (message.getMessageCase() == ServerMessage.MessageCase.PONG) {
                confirmed(message.getPong().getLastTimestamp());
            }
            try {
                ready.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            listener.onMessage(message);
        }

        @Override
        public void onBadFrame(String description) {
            lastHeardNanos = System.nanoTime();
            log.warn("Ignored a bad frame from LiveKit at {}: {}", endpoint, description);
        }

        @Override
        public void onClosed(String why) {
            closed.complete(why);
            registered.completeExceptionally(new IOException("socket closed before registration: " + why));
        }
    }

    private Session connectAndRegister() throws IOException, InterruptedException {
        if (closing) {
            throw new IOException("closing");
        }
        state = connects.get() == 0 ? State.CONNECTING : State.RECONNECTING;
        Session session = new Session();
        ProtoSocket<ServerMessage> s;
        try {
            s = ProtoSocket.open(http, endpoint, mintToken(), options.connectTimeout(), ServerMessage.parser(), session);
        } catch (WebSocketHandshakeException e) {
            int status = e.getResponse() == null ? -1 : e.getResponse().statusCode();
            String body = e.getResponse() == null || e.getResponse().body() == null ? ""
                    : String.valueOf(e.getResponse().body()).strip();
            if (body.length() > 200) {
                body = body.substring(0, 200) + "…";
            }
            if (status == 401 || status == 403) {
                throw new IOException("LiveKit rejected the worker token for API key '" + options.apiKey()
                        + "' (HTTP " + status + (body.isEmpty() ? "" : ": " + body)
                        + "); check LIVEKIT_API_KEY and LIVEKIT_API_SECRET", e);
            }
            throw new IOException("WebSocket upgrade to " + endpoint + " refused with HTTP " + status
                    + (body.isEmpty() ? "" : ": " + body), e);
        }
        socket = s;
        try {
            s.send(WorkerMessage.newBuilder().setRegister(options.register()).build());
            RegisterWorkerResponse response = session.registered.get(
                    options.registerTimeout().toMillis(), TimeUnit.MILLISECONDS);
            workerId = response.getWorkerId();
            lastHeardNanos = System.nanoTime();
            return session;
        } catch (ExecutionException e) {
            s.abort();
            throw new IOException("registration failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            s.abort();
            throw new IOException("LiveKit did not answer the registration within "
                    + options.registerTimeout().toMillis() + " ms");
        } catch (IOException | InterruptedException e) {
            s.abort();
            throw e;
        }
    }

    private String mintToken() {
        // A fresh token per connect.
        return AgentTokens.mint(options.apiKey(), options.apiSecret());
    }

    /** An error as one readable phrase (some JDK network errors carry no message). */
    static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        if (e instanceof java.net.ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "connection refused (is the server running at that address?)";
        }
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }

    /** A server message as a phrase for logs: its kind, or what an unknown one carried. */
    public static String describe(ServerMessage message) {
        if (message.getMessageCase() == ServerMessage.MessageCase.MESSAGE_NOT_SET) {
            return message.getUnknownFields().asMap().isEmpty() ? "an empty message"
                    : "an unknown message (fields " + message.getUnknownFields().asMap().keySet() + ")";
        }
        return message.getMessageCase().name().toLowerCase();
    }
}
