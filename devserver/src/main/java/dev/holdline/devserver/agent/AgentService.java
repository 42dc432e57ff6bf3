package dev.holdline.devserver.agent;

import dev.holdline.devserver.auth.ApiKeys;
import dev.holdline.devserver.auth.TokenMinter;
import dev.holdline.devserver.auth.TokenVerifier;
import dev.holdline.devserver.events.EventLog;
import dev.holdline.devserver.room.RoomRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import livekit.LivekitModels.ServerInfo;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.WebSocketCreator;

/**
 * The agent side of the dev server assembled: worker registry, dispatcher (with its thread),
 * dispatches, the {@code /agent} endpoint, events and test hooks. The HTTP layer mounts {@link
 * #endpoint()}; everything else is reached through this facade.
 */
public final class AgentService implements AutoCloseable {
    /** Version reported in {@code ServerInfo}; LiveKit's numbering, as clients may compare it. */
    public static final String SERVER_VERSION = "1.9.0";
    /** The signalling protocol version of the LiveKit release above. */
    public static final int PROTOCOL_VERSION = 16;
    static final String NODE_ID = "holdline-devserver";

    private final ScheduledExecutorService loop;
    private final WorkerRegistry workers = new WorkerRegistry();
    private final EventLog<AgentEvent> events = new EventLog<>();
    private final JobDispatcher dispatcher;
    private final DispatchService dispatches;
    private final AgentEndpoint endpoint;
    private final Set<AgentConnection> openConnections = ConcurrentHashMap.newKeySet();

    public AgentService(ApiKeys keys, RoomRegistry rooms, Duration offerTimeout, Duration registerTimeout, Clock clock) {
        this.loop = newLoop();
        this.dispatcher = new JobDispatcher(workers, events, new TokenMinter(keys, clock), offerTimeout, clock,
                RandomGenerator.getDefault(), loop);
        this.dispatches = new DispatchService(rooms, dispatcher, clock);
        ServerInfo serverInfo = serverInfo();
        AgentContext context =
                new AgentContext(workers, dispatcher, events, loop, registerTimeout, clock, serverInfo, openConnections);
        this.endpoint = new AgentEndpoint(new TokenVerifier(keys), context);
    }

    /** What the server says about itself, to workers and to room clients. */
    public static ServerInfo serverInfo() {
        return ServerInfo.newBuilder()
                .setEdition(ServerInfo.Edition.Standard)
                .setVersion(SERVER_VERSION)
                .setProtocol(PROTOCOL_VERSION)
                .setNodeId(NODE_ID)
                .build();
    }

    /** One thread runs every job decision and every timeout; see {@link JobDispatcher}. */
    private static ScheduledExecutorService newLoop() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "devserver-dispatcher");
            thread.setDaemon(true);
            return thread;
        });
        // Cancelled offer timeouts would otherwise pile up until they were due.
        executor.setRemoveOnCancelPolicy(true);
        return Executors.unconfigurableScheduledExecutorService(executor);
    }

    public WebSocketCreator endpoint() {
        return endpoint;
    }

    public DispatchService dispatches() {
        return dispatches;
    }

    public List<WorkerView> workers() {
        return workers.views();
    }

    public List<JobView> jobs() {
        return dispatcher.views();
    }

    public List<AgentEvent> events() {
        return events.snapshot();
    }

    public void addListener(Consumer<AgentEvent> listener) {
        events.addListener(listener);
    }

    public void removeListener(Consumer<AgentEvent> listener) {
        events.removeListener(listener);
    }

    public boolean disconnectWorker(String workerId) {
        return workers.find(workerId).map(worker -> worker.connection().disconnect()).orElse(false);
    }

    public boolean sendRaw(String workerId, byte[] binaryFrame) {
        return workers.find(workerId).map(worker -> worker.connection().sendBinary(binaryFrame.clone())).orElse(false);
    }

    public boolean sendText(String workerId, String text) {
        return workers.find(workerId).map(worker -> worker.connection().sendText(text)).orElse(false);
    }

    public void sendToNextConnection(byte[] binaryFrame) {
        endpoint.sendToNextConnection(binaryFrame);
    }

    /**
     * Stops the agent side: first the dispatcher thread (so that workers leaving now do not set
     * off a round of re-offers, and no timeout fires), then every open {@code /agent} socket gets
     * a close frame ({@code 1001 going away}) so workers see a deliberate shutdown and reconnect
     * rather than a dropped connection. Waits at most {@code closeFrameWait} for those frames.
     */
    public void close(Duration closeFrameWait) {
        loop.shutdownNow();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("dispatcher thread did not stop within 5 s");
            }
            List<AgentConnection> connections = List.copyOf(openConnections);
            CountDownLatch written = new CountDownLatch(connections.size());
            Callback countDown = Callback.from(written::countDown, failure -> written.countDown());
            for (AgentConnection connection : connections) {
                connection.close(StatusCode.SHUTDOWN, "server shutting down", countDown);
            }
            written.await(closeFrameWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(1));
    }

    /** See {@link dev.holdline.devserver.DevServer#offerToFullWorkers(boolean)}. */
    public void offerToFullWorkers(boolean enabled) {
        workers.ignoreReportedStatus(enabled);
    }

    /** See {@link dev.holdline.devserver.DevServer#assignTokensForRoom(String)}. */
    public void assignTokensForRoom(String room) {
        dispatcher.assignTokensForRoom(room);
    }
}
