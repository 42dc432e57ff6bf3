package dev.holdline.worker;

import dev.holdline.lifecycle.DrainReport;
import dev.holdline.lifecycle.Lifecycle;
import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.lifecycle.aws.AwsFacts;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.DrainConfigGuard;
import dev.holdline.lifecycle.profile.JobFacts;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileResolver;
import dev.holdline.scheduler.CpuSampler;
import dev.holdline.scheduler.FixedSlotSupplier;
import dev.holdline.scheduler.LoadFunction;
import dev.holdline.scheduler.Scheduler;
import dev.holdline.worker.admin.AdminOptions;
import dev.holdline.worker.admin.AdminServer;
import dev.holdline.worker.dispatch.JobDispatcher;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobType;
import dev.holdline.worker.health.HealthServer;
import dev.holdline.worker.host.HostOptions;
import dev.holdline.worker.host.HostedSessions;
import dev.holdline.worker.platform.AwsIntegration;
import dev.holdline.worker.protocol.AgentConnection;
import dev.holdline.worker.protocol.AgentUrls;
import dev.holdline.worker.protocol.ProtocolWarmup;
import dev.holdline.worker.session.SessionManager;
import dev.holdline.worker.session.SessionRuntime;
import dev.holdline.worker.telemetry.Telemetry;
import dev.holdline.worker.telemetry.WorkerMetrics;
import dev.holdline.worker.telemetry.WorkerView;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent;
import livekit.LivekitAgent.MigrateJobRequest;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitModels.ParticipantPermission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Holdline worker: registers with a LiveKit server over the agent protocol, answers offers
 * through its scheduler, runs each assigned job as a session of the {@link AgentHandler}, reports
 * load and job status, and rides out a lost server connection with its sessions still running.
 *
 * <pre>{@code
 * try (Worker worker = Worker.builder().agentName("support").handler(session -> ...).build().start()) {
 *     worker.awaitTermination(Duration.ofDays(365));
 * }
 * }</pre>
 *
 * {@link #drain()} starts a drain and returns at once; {@link #awaitTermination} waits for it.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerOptions options;
    private final Lifecycle lifecycle = new Lifecycle();
    private final Scheduler scheduler;
    private final SessionRuntime sessions;
    private final AgentConnection connection;
    private final JobDispatcher dispatcher;
    private final ScheduledExecutorService ticker;
    private final CountDownLatch registered = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object statusLock = new Object();
    private final Telemetry telemetry;
    private volatile HealthServer health;
    private volatile AdminServer admin;
    private volatile AwsIntegration aws = AwsIntegration.off("worker not started");
    private volatile boolean lastBusy;
    private WorkerStatus lastSentStatus;
    private boolean started;

    private Worker(WorkerOptions options) {
        this.options = options;
        this.scheduler = new Scheduler(new FixedSlotSupplier(options.maxSessions()), options.loadFunction(),
                options.loadThreshold(), options.assignmentTimeout(), CpuSampler.forThisProcess(), System::nanoTime);
        this.connection = new AgentConnection(new AgentConnection.Options(options.url(), options.apiKey(),
                options.apiSecret(), registerRequest(options), Duration.ofSeconds(10), options.registerTimeout(),
                options.maxReconnectAttempts(), options.reconnectBackoffStep(), options.reconnectBackoffMax(),
                options.silenceTimeout()),
                new ConnectionEvents());
        this.sessions = options.hosts().enabled()
                ? new HostedSessions(options.hosts(), options.handlerClass().getName(), options.terminationGrace(),
                        this::dispatcherSend, this::onSessionEnded)
                : new SessionManager(options.handler(), this::dispatcherSend, this::onSessionEnded,
                        options.terminationGrace());
        this.dispatcher = new JobDispatcher(options.agentName(), options.handler(), scheduler, sessions,
                connection::send, options.url(), options.requestTimeout(), this::onCapacityChange,
                job -> options.profiles().resolve(new JobFacts(job.agentName(), job.metadata(),
                        job.participantAttributes()), options.profileResolver()));
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("holdline-status").factory());
        // Metrics, the live session list and the event stream, for /metrics and the admin API.
        this.telemetry = new Telemetry(new WorkerView(options.agentName(), options.version(), lifecycle, scheduler,
                connection, sessions, () -> aws), options.profiles().profiles().stream().map(CallProfile::name).toList(),
                Clock.systemUTC());
        lifecycle.addListener(telemetry);
        sessions.observe(telemetry);
        dispatcher.observe(telemetry);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the health server and connects; with session hosts it first waits until a warm host
     * has attached (at most their start timeout), so that no offer is accepted that only a host
     * still starting could serve. Does not wait for registration; see {@link #awaitRegistered}.
     */
    public synchronized Worker start() throws IOException {
        if (started) {
            throw new IllegalStateException("this worker was already started; build a new one");
        }
        // The task metadata, read once: it feeds the drain guard and the AWS features.
        AwsFacts facts = AwsFacts.detect(options.env(), EcsTaskMetadata.DEFAULT_TIMEOUT);
        // Refuse an unsafe drain configuration before taking a single call.
        DrainConfigGuard.check(options.profiles(), facts.task());
        try {
            // First: warm session hosts boot (seconds of class loading) while the rest starts.
            sessions.open();
        } catch (RuntimeException e) {
            stop("the session runtime could not start");
            throw e;
        }
        aws = AwsIntegration.start(options.env(), facts, this::drain);
        started = true;
        log.info("Call profiles: {}", options.profiles().describe());
        ProtocolWarmup.run();
        if (options.healthPort() >= 0) {
            try {
                health = new HealthServer(options.healthHost(), options.healthPort(), connection::isRegistered, this::statusDocument);
            } catch (IOException | RuntimeException e) {
                stop("the health endpoint could not start");
                throw e;
            }
            health.addPage("/metrics", WorkerMetrics.CONTENT_TYPE, telemetry.metrics()::scrape);
            log.info("Health endpoint on http://{}:{}/ (GET /, /worker and /metrics)", options.healthHost(), health.port());
        }
        if (options.admin().enabled()) {
            try {
                admin = AdminServer.start(options.admin(), telemetry, this::drain);
            } catch (IOException e) {
                stop("the admin API could not start");
                throw e;
            }
        }
        sessions.awaitReady();
        if (lifecycle.state() == LifecycleState.DRAINING || lifecycle.state() == LifecycleState.STOPPED) {
            // A SIGTERM while the warm session hosts were starting: never register.
            log.info("Not connecting to LiveKit: the worker is {} already", lifecycle.state());
            return this;
        }
        log.info("Starting worker for agent '{}' against {} (API key {}, max {} sessions, load threshold {})",
                options.agentName(), connection.endpoint(), options.apiKey(), options.maxSessions(),
                options.loadThreshold() == Double.POSITIVE_INFINITY ? "none" : options.loadThreshold());
        connection.start();
        long period = options.statusInterval().toMillis();
        ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Waits until the worker has registered once. */
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        return registered.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Starts a drain and returns at once: the worker reports {@code WS_FULL}, declines every new
     * offer, lets running sessions finish, and stops when the last one has ended. Repeated calls
     * change nothing.
     */
    public void drain() {
        drain("drain requested");
    }

    /** {@link #drain()} with the reason to log (a signal, a deployment, an instance termination). */
    public void drain(String reason) {
        drain(reason, null);
    }

    /**
     * {@link #drain(String)} with every session's deadline capped at {@code deadlineCap} after the
     * drain's start: a session's deadline is {@code min(its profile's drain_timeout, stop timeout −
     * safety margin, deadlineCap)}. The cap only shortens a drain (the admin API's {@code Drain}
     * deadline); {@code Duration.ZERO} ends every session now, gracefully.
     *
     * @param deadlineCap null for the profiles alone
     * @return false when a drain had already started; that drain goes on unchanged
     */
    public boolean drain(String reason, Duration deadlineCap) {
        if (deadlineCap != null && deadlineCap.isNegative()) {
            throw new IllegalArgumentException("deadlineCap must be zero or positive, was " + deadlineCap);
        }
        if (!lifecycle.drain(reason)) {
            return false;
        }
        Optional<Duration> limit = options.profiles().hardDrainLimit();
        if (deadlineCap != null && (limit.isEmpty() || deadlineCap.compareTo(limit.get()) < 0)) {
            limit = Optional.of(deadlineCap);
        }
        telemetry.view().drainStarted(limit);
        scheduler.startDraining();
        sendWorkerStatus();
        log.info("Draining ({}): {} session(s) running", reason, sessions.active());
        sessions.startDrain(limit);
        stopIfDrained();
        return true;
    }

    /** How the drain went (or is going); empty when no drain started. */
    public Optional<DrainReport> drainReport() {
        return sessions.drainReport();
    }

    /** Waits until the worker has stopped. Returns false on timeout. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops now: asks every session to end (handlers see {@link EndReason#WORKER_SHUTDOWN}), waits
     * up to the termination grace for them, then closes the connection and the health server.
     */
    @Override
    public void close() {
        lifecycle.drain("closing");
        scheduler.startDraining();
        try {
            Set<String> left = sessions.terminateAll(EndReason.WORKER_SHUTDOWN, options.terminationGrace());
            if (!left.isEmpty()) {
                log.warn("Closing with {} session(s) that did not end in time: {}", left.size(), left);
            }
            stop("closed");
            // A drained worker may be stopping on its own thread already: wait for it, bounded.
            terminated.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop("closed");
        }
    }

    private void stopIfDrained() {
        if (lifecycle.state() == LifecycleState.DRAINING && sessions.active() == 0 && scheduler.running() == 0) {
            Thread.ofVirtual().name("holdline-stop").start(() -> stop("drained"));
        }
    }

    private void stop(String reason) {
        if (!lifecycle.stop(reason)) {
            return;
        }
        sessions.drainReport().ifPresent(r -> log.info(r.summary()));
        if (sessions.active() == 0) {
            aws.idleAfterDrain();
        }
        // Protection off before the process goes: scale-in should find this task idle, not protected.
        aws.close();
        ticker.shutdownNow();
        connection.close();
        sessions.close();
        // Event streams end after the STOPPED event, then the admin API goes.
        telemetry.close();
        AdminServer a = admin;
        if (a != null) {
            a.close();
        }
        HealthServer h = health;
        if (h != null) {
            h.close();
        }
        terminated.countDown();
    }

    private void tick() {
        try {
            scheduler.sampleCpu();
            dispatcher.expireReservations();
            connection.keepAlive();
            updateBusy();
            sendWorkerStatus();
        } catch (RuntimeException e) {
            log.warn("Status tick failed", e);
        }
    }

    private void onCapacityChange() {
        updateBusy();
        WorkerStatus now = scheduler.isFull() ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE;
        boolean changed;
        synchronized (statusLock) {
            changed = now != lastSentStatus;
        }
        if (changed) {
            sendWorkerStatus();
        }
    }

    /** Busy = work worth protecting from scale-in: a session (or reservation), or load over the protection threshold. */
    private void updateBusy() {
        boolean busy = scheduler.hasWork() || scheduler.load() > options.protectionLoadThreshold();
        if (busy != lastBusy) {
            lastBusy = busy;
            aws.busy(busy);
        }
    }

    private void sendWorkerStatus() {
        if (!connection.isRegistered()) {
            return;
        }
        WorkerStatus status = scheduler.isFull() ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE;
        synchronized (statusLock) {
            lastSentStatus = status;
        }
        connection.send(WorkerMessage.newBuilder().setUpdateWorker(UpdateWorkerStatus.newBuilder()
                .setStatus(status)
                .setLoad((float) scheduler.load())
                .setJobCount(scheduler.running() + scheduler.reserved())).build());
    }

    private void dispatcherSend(String jobId, LivekitAgent.JobStatus status, String error) {
        dispatcher.sendStatus(jobId, status, error);
    }

    private void onSessionEnded(String jobId) {
        scheduler.end(jobId);
        onCapacityChange();
        stopIfDrained();
    }

    private final class ConnectionEvents implements AgentConnection.Listener {
        @Override
        public void onRegistered(String workerId, boolean reconnect) {
            if (reconnect) {
                List<String> running = scheduler.runningJobIds();
                if (!running.isEmpty()) {
                    log.info("Migrating {} running job(s) to the new connection: {}", running.size(), running);
                    connection.send(WorkerMessage.newBuilder()
                            .setMigrateJob(MigrateJobRequest.newBuilder().addAllJobIds(running)).build());
                }
            }
            connection.flushHeldJobUpdates();
            if (lifecycle.ready()) {
                scheduler.setAccepting(true);
            }
            sendWorkerStatus();
            telemetry.connectionChanged(AgentConnection.State.REGISTERED, workerId);
            registered.countDown();
        }

        @Override
        public void onMessage(ServerMessage message) {
            switch (message.getMessageCase()) {
                case AVAILABILITY -> dispatcher.onAvailability(message.getAvailability());
                case ASSIGNMENT -> dispatcher.onAssignment(message.getAssignment());
                case TERMINATION -> dispatcher.onTermination(message.getTermination());
                case PONG -> log.trace("pong");
                default -> log.warn("Ignored {} from LiveKit", AgentConnection.describe(message));
            }
        }

        @Override
        public void onDisconnected(String why) {
            // Sessions keep running; media does not use this socket.
            telemetry.connectionChanged(AgentConnection.State.RECONNECTING, why);
        }

        @Override
        public void onGaveUp(Exception lastError) {
            telemetry.connectionChanged(AgentConnection.State.GAVE_UP, String.valueOf(lastError.getMessage()));
            log.error("Could not reach LiveKit again ({}); draining the {} running session(s)",
                    lastError.getMessage(), sessions.active());
            drain("lost the LiveKit connection");
            if (lifecycle.state() == LifecycleState.STARTING) {
                stop("never registered");
            }
        }
    }

    private Map<String, Object> statusDocument() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("agent_name", options.agentName());
        doc.put("worker_id", connection.workerId());
        doc.put("state", lifecycle.state().name());
        doc.put("connection", connection.state().name());
        doc.put("status", status().name());
        doc.put("load", scheduler.load());
        doc.put("load_threshold", options.loadThreshold() == Double.POSITIVE_INFINITY ? null : options.loadThreshold());
        doc.put("active_sessions", sessions.active());
        doc.put("reserved_sessions", scheduler.reserved());
        doc.put("max_sessions", options.maxSessions());
        doc.put("active_jobs", sessions.jobIds());
        doc.put("aws", aws.status());
        return doc;
    }

    private static RegisterWorkerRequest registerRequest(WorkerOptions o) {
        LivekitAgent.JobType type = switch (o.jobType()) {
            case ROOM -> LivekitAgent.JobType.JT_ROOM;
            case PUBLISHER -> LivekitAgent.JobType.JT_PUBLISHER;
            case PARTICIPANT -> LivekitAgent.JobType.JT_PARTICIPANT;
        };
        WorkerOptions.Permissions p = o.permissions();
        return RegisterWorkerRequest.newBuilder()
                .setType(type)
                .setAgentName(o.agentName())
                .setVersion(o.version())
                .setAllowedPermissions(ParticipantPermission.newBuilder()
                        .setCanPublish(p.canPublish()).setCanSubscribe(p.canSubscribe())
                        .setCanPublishData(p.canPublishData()).setCanUpdateMetadata(p.canUpdateMetadata())
                        .setHidden(p.hidden()).setAgent(true))
                .build();
    }

    // --- what the worker shows ---

    public WorkerOptions options() {
        return options;
    }

    public String workerId() {
        return connection.workerId();
    }

    public LifecycleState state() {
        return lifecycle.state();
    }

    public AgentConnection.State connectionState() {
        return connection.state();
    }

    /** {@code WS_FULL} while draining or at the load threshold or out of slots. */
    public WorkerStatus status() {
        return scheduler.isFull() ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE;
    }

    public double load() {
        return scheduler.load();
    }

    public int activeSessions() {
        return sessions.active();
    }

    public Set<String> activeJobIds() {
        return sessions.jobIds();
    }

    /** The session hosts now (empty when sessions run in this JVM). */
    public List<HostedSessions.HostView> sessionHosts() {
        return sessions instanceof HostedSessions h ? h.hosts() : List.of();
    }

    /** The health server's port, or -1 when disabled. */
    public int healthPort() {
        HealthServer h = health;
        return h == null ? -1 : h.port();
    }

    /** The admin API's port, or -1 when it is off. */
    public int adminPort() {
        AdminServer a = admin;
        return a == null ? -1 : a.port();
    }

    /**
     * The worker's metrics registry (served on {@code /metrics}); an application may add its own
     * meters to it. See {@link WorkerMetrics} for what the worker records.
     */
    public MeterRegistry meterRegistry() {
        return telemetry.metrics().registry();
    }

    /** Registrations so far (1 + successful reconnects). */
    public int registrations() {
        return connection.registrations();
    }

    /**
     * Builds a {@link Worker}. Every default is stated here, once. Unset URL/key/secret come from
     * {@code LIVEKIT_URL}, {@code LIVEKIT_API_KEY}, {@code LIVEKIT_API_SECRET}.
     */
    public static final class Builder {
        private Map<String, String> env = System.getenv();
        private AgentHandler handler;
        /** The handler's class, for session hosts (which construct it themselves). Default: none. */
        private Class<? extends AgentHandler> handlerClass;
        /**
         * Where sessions run. Default {@link HostOptions#IN_PROCESS}: in this JVM. The CLI's {@code start}
         * uses {@link HostOptions#defaults()} (child JVMs; their defaults are on {@link HostOptions.Builder}).
         */
        private HostOptions hosts = HostOptions.IN_PROCESS;
        /**
         * Call profiles and drain limits. Default: the file named by {@code HOLDLINE_PROFILES} if set,
         * else the built-in single profile; either way with {@code HOLDLINE_*} environment overrides.
         */
        private ProfileConfig profiles;
        /** Maps a job to a profile name before the file's rules. Default: none. */
        private ProfileResolver profileResolver = job -> Optional.empty();
        /** LiveKit server URL (ws, wss, http or https). Default: {@code LIVEKIT_URL}. */
        private String url;
        /** API key. Default: {@code LIVEKIT_API_KEY}. */
        private String apiKey;
        /** API secret. Default: {@code LIVEKIT_API_SECRET}. */
        private String apiSecret;
        /** Agent name jobs are dispatched to. Default: "" (LiveKit's automatic dispatch). */
        private String agentName = "";
        /** Job type registered for. Default: {@link JobType#ROOM}. */
        private JobType jobType = JobType.ROOM;
        /** Room permissions requested. Default: publish, subscribe, data, metadata; not hidden. */
        private WorkerOptions.Permissions permissions = WorkerOptions.Permissions.DEFAULT;
        /** Load in [0, 1]. Default: max(CPU share of this process's limit over 2.5 s, sessions / max sessions). */
        private LoadFunction loadFunction = LoadFunction.DEFAULT;
        /**
         * At or above this load the worker reports {@code WS_FULL} and declines offers. Default 0.7
         * (LiveKit's production value); {@code dev} mode uses {@code Double.POSITIVE_INFINITY} (never full by load).
         * The session term of the default load reaches 1.0 at {@code maxSessions}; set 1.0 to use every slot.
         */
        private double loadThreshold = 0.7;
        /** Sessions (running plus reserved) this worker holds at most. Default 20. */
        private int maxSessions = 20;
        /** Health server bind address. Default 0.0.0.0 (reachable by the ECS/ALB health check). */
        private String healthHost = "0.0.0.0";
        /** Health server port; 0 picks a free port, -1 disables it. Default 8081 (LiveKit's convention). */
        private int healthPort = 8081;
        /**
         * Admin API (gRPC) port; 0 picks a free port, -1 turns it off. Default: {@code HOLDLINE_ADMIN_PORT},
         * else off — in dev and prod alike: a port that can drain the worker is opened only on purpose.
         */
        private Integer adminPort;
        /**
         * Admin API bind address. Default: {@code HOLDLINE_ADMIN_HOST}, else {@value AdminOptions#DEFAULT_HOST}
         * (only the same task or pod can reach it). Any other address requires {@link #adminToken}.
         */
        private String adminHost;
        /**
         * Bearer token every {@code WorkerAdmin} call must carry (at least 16 characters; never logged).
         * Default: {@code HOLDLINE_ADMIN_TOKEN}, else none, which only a loopback {@link #adminHost} allows.
         */
        private String adminToken;
        /** Reconnect attempts after a lost or failed connection before giving up and draining. Default 16. */
        private int maxReconnectAttempts = 16;
        /** Retry n waits min(n × step, max). Default step 2 s. */
        private Duration reconnectBackoffStep = Duration.ofSeconds(2);
        /** Largest wait between reconnect attempts. Default 10 s. */
        private Duration reconnectBackoffMax = Duration.ofSeconds(10);
        /** Wait for the server's registration answer. Default 10 s (the server's own limit). */
        private Duration registerTimeout = Duration.ofSeconds(10);
        /** How often {@code UpdateWorkerStatus} is sent (and CPU sampled). Default 2.5 s. */
        private Duration statusInterval = Duration.ofMillis(2500);
        /** How long an accepted offer holds its slot waiting for the assignment. Default 7.5 s. */
        private Duration assignmentTimeout = Duration.ofMillis(7500);
        /** Budget of a custom {@code onRequest}; past it the offer is declined. Default 2 s (the server waits 10 s). */
        private Duration requestTimeout = Duration.ofSeconds(2);
        /** After a session is asked to end, how long its handler has before its thread is interrupted. Default 10 s. */
        private Duration terminationGrace = Duration.ofSeconds(10);
        /**
         * A registered connection on which the server says nothing (the worker pings on every status
         * interval, and LiveKit answers) for this long is dropped and reconnected. Default 15 s.
         */
        private Duration silenceTimeout = Duration.ofSeconds(15);
        /**
         * Above this load the worker counts as busy for scale-in protection even with no session.
         * Default {@code Double.POSITIVE_INFINITY}: protection follows sessions alone.
         */
        private double protectionLoadThreshold = Double.POSITIVE_INFINITY;
        /** Worker version reported at registration. Default: this Holdline build's version. */
        private String version = Version.current();

        private Builder() {
        }

        /** Where unset URL/key/secret and the HOLDLINE_* settings are read from. Default: the process environment. */
        public Builder env(Map<String, String> env) {
            this.env = Map.copyOf(Objects.requireNonNull(env));
            return this;
        }

        /** The call profiles and drain limits (see {@link ProfileConfig}). */
        public Builder profiles(ProfileConfig profiles) {
            this.profiles = Objects.requireNonNull(profiles);
            return this;
        }

        /** A developer's job → profile mapping, consulted before the profile file's rules. */
        public Builder profileResolver(ProfileResolver resolver) {
            this.profileResolver = Objects.requireNonNull(resolver);
            return this;
        }

        /** The session handler (required). */
        public Builder handler(AgentHandler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * The session handler by class: public, with a public no-arg constructor (session hosts
         * construct it; the worker also makes one for {@code onRequest}). Sets {@link #handler} too
         * unless that is set, to an instance of this class.
         */
        public Builder handlerClass(Class<? extends AgentHandler> handlerClass) {
            this.handlerClass = Objects.requireNonNull(handlerClass, "handlerClass");
            return this;
        }

        /** Where sessions run: {@link HostOptions#IN_PROCESS} or session hosts (needs {@link #handlerClass}). */
        public Builder sessionHosts(HostOptions hosts) {
            this.hosts = Objects.requireNonNull(hosts, "hosts");
            return this;
        }

        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder apiSecret(String apiSecret) {
            this.apiSecret = apiSecret;
            return this;
        }

        public Builder agentName(String agentName) {
            this.agentName = Objects.requireNonNull(agentName, "agentName");
            return this;
        }

        public Builder jobType(JobType jobType) {
            this.jobType = Objects.requireNonNull(jobType, "jobType");
            return this;
        }

        public Builder permissions(WorkerOptions.Permissions permissions) {
            this.permissions = Objects.requireNonNull(permissions, "permissions");
            return this;
        }

        public Builder loadFunction(LoadFunction loadFunction) {
            this.loadFunction = Objects.requireNonNull(loadFunction, "loadFunction");
            return this;
        }

        public Builder loadThreshold(double loadThreshold) {
            this.loadThreshold = loadThreshold;
            return this;
        }

        public Builder maxSessions(int maxSessions) {
            this.maxSessions = maxSessions;
            return this;
        }

        public Builder healthHost(String healthHost) {
            this.healthHost = Objects.requireNonNull(healthHost, "healthHost");
            return this;
        }

        public Builder healthPort(int healthPort) {
            this.healthPort = healthPort;
            return this;
        }

        public Builder adminPort(int adminPort) {
            this.adminPort = adminPort;
            return this;
        }

        public Builder adminHost(String adminHost) {
            this.adminHost = Objects.requireNonNull(adminHost, "adminHost");
            return this;
        }

        public Builder adminToken(String adminToken) {
            this.adminToken = Objects.requireNonNull(adminToken, "adminToken");
            return this;
        }

        public Builder maxReconnectAttempts(int maxReconnectAttempts) {
            this.maxReconnectAttempts = maxReconnectAttempts;
            return this;
        }

        public Builder reconnectBackoff(Duration step, Duration max) {
            this.reconnectBackoffStep = Objects.requireNonNull(step);
            this.reconnectBackoffMax = Objects.requireNonNull(max);
            return this;
        }

        public Builder registerTimeout(Duration registerTimeout) {
            this.registerTimeout = Objects.requireNonNull(registerTimeout);
            return this;
        }

        public Builder statusInterval(Duration statusInterval) {
            this.statusInterval = Objects.requireNonNull(statusInterval);
            return this;
        }

        public Builder assignmentTimeout(Duration assignmentTimeout) {
            this.assignmentTimeout = Objects.requireNonNull(assignmentTimeout);
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout);
            return this;
        }

        public Builder terminationGrace(Duration terminationGrace) {
            this.terminationGrace = Objects.requireNonNull(terminationGrace);
            return this;
        }

        public Builder protectionLoadThreshold(double threshold) {
            this.protectionLoadThreshold = threshold;
            return this;
        }

        public Builder silenceTimeout(Duration silenceTimeout) {
            this.silenceTimeout = Objects.requireNonNull(silenceTimeout);
            return this;
        }

        public Builder version(String version) {
            this.version = Objects.requireNonNull(version);
            return this;
        }

        /** Validates and builds. Errors name the setting and the fix. */
        public Worker build() {
            return new Worker(options());
        }

        /** The validated options, without building a worker. */
        public WorkerOptions options() {
            String u = firstNonBlank(url, env.get("LIVEKIT_URL"));
            String k = firstNonBlank(apiKey, env.get("LIVEKIT_API_KEY"));
            String s = firstNonBlank(apiSecret, env.get("LIVEKIT_API_SECRET"));
            AgentHandler h = HostOptions.checkHandler(handler, handlerClass, hosts);
            if (u == null) {
                throw new IllegalArgumentException("LiveKit URL is not set: set LIVEKIT_URL (for example wss://livekit.example.com)");
            }
            AgentUrls.agentEndpoint(u);
            if (k == null) {
                throw new IllegalArgumentException("LiveKit API key is not set: set LIVEKIT_API_KEY");
            }
            if (s == null) {
                throw new IllegalArgumentException("LiveKit API secret is not set: set LIVEKIT_API_SECRET");
            }
            if (maxSessions < 1) {
                throw new IllegalArgumentException("maxSessions must be at least 1, was " + maxSessions);
            }
            if (!(loadThreshold > 0)) {
                throw new IllegalArgumentException("loadThreshold must be > 0 (use Double.POSITIVE_INFINITY for none), was "
                        + loadThreshold);
            }
            if (healthPort < -1 || healthPort > 65535) {
                throw new IllegalArgumentException("healthPort must be 0..65535, or -1 to disable, was " + healthPort);
            }
            if (maxReconnectAttempts < 0) {
                throw new IllegalArgumentException("maxReconnectAttempts must be >= 0, was " + maxReconnectAttempts);
            }
            if (requestTimeout.compareTo(Duration.ofSeconds(9)) > 0 || requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be between 0 and 9 s (LiveKit waits 10 s for an answer), was "
                        + requestTimeout);
            }
            requirePositive("statusInterval", statusInterval);
            requirePositive("assignmentTimeout", assignmentTimeout);
            requirePositive("registerTimeout", registerTimeout);
            requirePositive("terminationGrace", terminationGrace);
            requirePositive("reconnectBackoffMax", reconnectBackoffMax);
            if (silenceTimeout.compareTo(statusInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("silenceTimeout (" + silenceTimeout + ") must be at least twice statusInterval ("
                        + statusInterval + "): pings go out once per status interval");
            }
            AdminOptions admin = AdminOptions.resolve(adminHost, adminPort, adminToken, env);
            ProfileConfig p = profiles;
            if (p == null) {
                String file = env.get("HOLDLINE_PROFILES");
                p = file == null || file.isBlank() ? ProfileConfig.fromEnv(env) : ProfileConfig.load(Path.of(file), env);
            }
            return new WorkerOptions(h, handlerClass, hosts, u, k, s, agentName, jobType, permissions, loadFunction, loadThreshold,
                    maxSessions, healthHost, healthPort, maxReconnectAttempts, reconnectBackoffStep, reconnectBackoffMax,
                    registerTimeout, statusInterval, assignmentTimeout, requestTimeout, terminationGrace, silenceTimeout,
                    version, p, profileResolver, env, protectionLoadThreshold, admin);
        }

        private static void requirePositive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }

        private static String firstNonBlank(String a, String b) {
            if (a != null && !a.isBlank()) {
                return a;
            }
            return b != null && !b.isBlank() ? b : null;
        }
    }

}
