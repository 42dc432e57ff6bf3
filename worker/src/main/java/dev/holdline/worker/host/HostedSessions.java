package dev.holdline.worker.host;

import dev.holdline.lifecycle.DrainCoordinator;
import dev.holdline.lifecycle.DrainReport;
import dev.holdline.lifecycle.DrainTimer;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.scheduler.hosts.HostPool;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.host.v1.DrainNotice;
import dev.holdline.worker.host.v1.EndSession;
import dev.holdline.worker.host.v1.HostCommand;
import dev.holdline.worker.host.v1.HostEvent;
import dev.holdline.worker.host.v1.Retire;
import dev.holdline.worker.host.v1.StartSession;
import dev.holdline.worker.host.v1.WrapUpNotice;
import dev.holdline.worker.logging.SessionLogContext;
import dev.holdline.worker.session.JobStatusSink;
import dev.holdline.worker.session.SessionObserver;
import dev.holdline.worker.session.SessionRuntime;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import livekit.LivekitAgent.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's side of session hosts: runs each session in a child JVM chosen by the
 * {@link HostPool} policy, forwards ends and drain notices to it, and turns what the host reports
 * into job status ({@code JS_RUNNING}, then {@code JS_SUCCESS}/{@code JS_FAILED}), observer calls
 * and freed slots, exactly as {@code SessionManager} does in process. A host that dies, or stays
 * silent past the heartbeat timeout (then it is killed), fails every session it held, with the
 * cause; a new warm host is started at once.
 *
 * <p>Ending a session escalates across both processes: the host asks the handler, interrupts it
 * after the termination grace, gives it up after a second grace (and retires); if the host has
 * not reported the session ended a heartbeat timeout after that, the supervisor kills that host.
 */
public final class HostedSessions implements SessionRuntime, DrainCoordinator.Target {
    private static final Logger log = LoggerFactory.getLogger(HostedSessions.class);
    /** After a failed host start, warm hosts are not retried for this long (no fork loop). */
    private static final long LAUNCH_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** One host as tests and the status page see it. */
    public record HostView(int id, long pid, HostPool.State state, int active, int served, long rssBytes) {
    }

    private final HostOptions options;
    /** A host's command line up to its main class; then come {@link #hostArgs} and the host's own id and link. */
    private final List<String> command;
    private final List<String> hostArgs;
    private final Optional<HostClassData> classData;
    private final Duration terminationGrace;
    private final JobStatusSink statusSink;
    private final Consumer<String> onEnded;
    private final HostPool pool;
    private final Map<Integer, HostProcess> processes = new ConcurrentHashMap<>();
    private final Map<String, HostedSession> sessions = new ConcurrentHashMap<>();
    private final DrainTimer drainTimer = DrainTimer.newTimer("holdline-hosts-drain-timer");
    private final DrainCoordinator drain = new DrainCoordinator(this, drainTimer, System::nanoTime, Instant::now);
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("holdline-hosts-watchdog").factory());
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final Events events = new Events();
    private volatile SessionObserver observer = SessionObserver.NONE;
    private volatile EventLoopGroup loops;
    private volatile Path dir;
    private volatile boolean closed;
    private volatile boolean draining;
    private final Object warmth = new Object();
    /** When a host last failed to start; "long ago" at first (no overflow-prone sentinel). */
    private volatile long lastLaunchFailureNanos = System.nanoTime() - 2 * LAUNCH_BACKOFF_NANOS;

    /**
     * @param handlerClass     the handler hosts construct (public, public no-arg constructor)
     * @param terminationGrace how long a handler has after being asked to end before its thread is interrupted
     * @param onEnded          told the job id once a session has ended and reported (frees its slot)
     */
    public HostedSessions(HostOptions options, String handlerClass, Duration terminationGrace, JobStatusSink statusSink,
                          Consumer<String> onEnded) {
        this.options = options;
        this.terminationGrace = terminationGrace;
        this.statusSink = statusSink;
        this.onEnded = onEnded;
        this.pool = new HostPool(options.policy(), System::nanoTime);
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        this.command = hostCommand(java, options);
        this.hostArgs = List.of("--handler", handlerClass, "--grace-ms", Long.toString(terminationGrace.toMillis()));
        this.classData = options.classDataDir() == null ? Optional.empty()
                : HostClassData.in(options.classDataDir(), java, options.jvmOptions(), System.getProperty("java.class.path"),
                        handlerClass);
    }

    private static List<String> hostCommand(String java, HostOptions options) {
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(options.jvmOptions());
        for (String p : List.of("HOLDLINE_LOG_FORMAT", "HOLDLINE_LOG_LEVEL", "logback.configurationFile")) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HostMain.class.getName()));
        return List.copyOf(cmd);
    }

    /** The command line of a host started now: with the class-data archive once there is one. */
    private List<String> launchCommand() {
        List<String> cmd = new ArrayList<>(command);
        classData.flatMap(HostClassData::launch).ifPresent(l -> {
            cmd.set(cmd.indexOf("-cp") + 1, l.classPath());
            cmd.addAll(1, l.jvmOptions());
        });
        cmd.addAll(hostArgs);
        cmd.addAll(List.of("--heartbeat-ms", Long.toString(options.heartbeatInterval().toMillis())));
        return cmd;
    }

    /** Opens the private socket directory and starts the warm hosts. */
    @Override
    public synchronized void open() {
        if (dir != null) {
            return;
        }
        try {
            dir = HostTransport.privateDir("holdline-hosts-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the session hosts' socket directory", e);
        }
        loops = HostTransport.eventLoops("holdline-hosts-io");
        long period = options.heartbeatInterval().toMillis();
        watchdog.scheduleAtFixedRate(this::reap, period, period, TimeUnit.MILLISECONDS);
        log.info("Session hosts: up to {} session(s) each, recycled after {} sessions or {} MB, {} warm, over {}",
                options.sessionsPerHost(), options.recycleAfter(), options.memoryLimitMb(), options.warmHosts(),
                HostTransport.domainSockets() ? "Unix domain sockets in " + dir : "TCP on loopback (no epoll here)");
        ensureWarm();
    }

    private void awaitWarm() {
        if (options.warmHosts() == 0) {
            return;
        }
        long started = System.nanoTime();
        long deadline = started + options.startTimeout().toNanos();
        synchronized (warmth) {
            while (!closed && !draining && stillWarming()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("No session host attached within {} ms; registering anyway (calls wait for a host)",
                            options.startTimeout().toMillis());
                    return;
                }
                try {
                    warmth.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        log.info("Session hosts: warm after {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Waits (at most the start timeout) until a warm host has attached: a worker that registered
     * before would be offered calls it could only start seconds later (8-11 s were seen on a busy
     * 2-core machine).
     */
    @Override
    public void awaitReady() {
        awaitWarm();
    }

    /** No attached host has room yet, and one is still starting (else there is nothing to wait for). */
    private boolean stillWarming() {
        List<HostPool.HostInfo> hosts = pool.hosts();
        return hosts.stream().noneMatch(h -> h.state() == HostPool.State.READY && h.active() < options.sessionsPerHost())
                && hosts.stream().anyMatch(h -> h.state() == HostPool.State.STARTING);
    }

    /** The host holds no session (or is gone from the pool). */
    private boolean idle(int hostId) {
        return pool.host(hostId).map(h -> h.active() == 0).orElse(true);
    }

    /** Wakes {@link #awaitReady()}: a host attached or went, or the hosts drain or close. */
    private void warmthChanged() {
        synchronized (warmth) {
            warmth.notifyAll();
        }
    }

    @Override
    public void observe(SessionObserver observer) {
        this.observer = observer;
    }

    @Override
    public void start(JobInfo job, String identity, String url, String token, CallProfile profile) {
        if (closed || dir == null) {
            throw new IllegalStateException("session hosts are " + (closed ? "closed" : "not open"));
        }
        if (sessions.containsKey(job.id())) {
            log.warn("Job {} is already running here; duplicate assignment ignored", job.id());
            return;
        }
        SessionLogContext context = SessionLogContext.mint(job.id(), job.roomName(), profile.name());
        HostPool.Placement placement = pool.place(job.id());
        HostedSession s = new HostedSession(job, identity, url, profile.name(), context, placement.hostId());
        sessions.put(job.id(), s);
        try (var mdc = context.open()) {
            log.info("Job {} goes to session host {}{}", job.id(), placement.hostId(),
                    placement.newHost() ? " (starting it now)" : "");
        }
        // Tracked by the drain before a launch can fail: a failed launch ends the session (and
        // untracks it) at once.
        drain.sessionStarted(job.id(), profile);
        if (placement.newHost()) {
            launch(placement.hostId());
        }
        HostProcess host = processes.get(placement.hostId());
        if (host != null && sessions.get(job.id()) == s) {
            synchronized (s) {
                StartSession.Builder start = StartSession.newBuilder().setJob(HostProtos.job(job))
                        .setSessionId(context.sessionId()).setParticipantIdentity(identity).setUrl(url).setToken(token)
                        .setProfile(HostProtos.profile(profile));
                s.startSent().ifPresent(d -> start.setDrainDeadline(HostProtos.timestamp(d)));
                host.send(HostCommand.newBuilder().setStartSession(start).build());
            }
        }
        ensureWarm();
    }

    private void launch(int hostId) {
        try {
            List<String> cmd = launchCommand();
            HostProcess host = HostProcess.start(hostId, dir, loops, calls, cmd, events);
            processes.put(hostId, host);
            boolean archived = cmd.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile="));
            log.info("Started session host {} (pid {}){}", hostId, host.pid(), archived ? " from the class-data archive" : "");
        } catch (IOException | RuntimeException e) {
            lastLaunchFailureNanos = System.nanoTime();
            String cause = "could not start session host " + hostId + ": " + e.getMessage();
            log.error(cause, e);
            for (String jobId : pool.gone(hostId)) {
                finish(jobId, false, cause, EndReason.HANDLER_FAILED);
            }
        }
    }

    /** Starts hosts until the warm reserve holds (none while draining, none during a launch backoff). */
    private void ensureWarm() {
        if (closed || System.nanoTime() - lastLaunchFailureNanos < LAUNCH_BACKOFF_NANOS) {
            return;
        }
        for (int id : pool.hostsToStart()) {
            launch(id);
        }
    }

    @Override
    public boolean terminate(String jobId, EndReason reason) {
        HostedSession s = sessions.get(jobId);
        if (s == null) {
            return false;
        }
        if (s.requestEnd(reason)) {
            try (var mdc = s.context.open()) {
                log.info("Ending job {} on session host {}: {}", jobId, s.hostId, reason);
            }
            send(s.hostId, HostCommand.newBuilder().setEndSession(EndSession.newBuilder().setJobId(jobId)
                    .setReason(HostProtos.reason(reason))).build());
            long limit = 2 * terminationGrace.toMillis() + options.heartbeatTimeout().toMillis();
            try {
                watchdog.schedule(() -> killIfStuck(s, reason, limit), limit, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                log.debug("No watchdog for job {}: hosts are closing", jobId);
            }
        }
        return true;
    }

    private void killIfStuck(HostedSession s, EndReason reason, long limitMillis) {
        String jobId = s.job().id();
        HostProcess host = processes.get(s.hostId);
        if (sessions.get(jobId) != s || host == null) {
            return;
        }
        String cause = "session host " + s.hostId + " did not end job " + jobId + " within " + limitMillis
                + " ms of being asked to (" + reason + "); killed it";
        try (var mdc = s.context.open()) {
            log.error(cause);
        }
        host.kill(cause);
    }

    @Override
    public Set<String> terminateAll(EndReason reason, Duration timeout) throws InterruptedException {
        List<HostedSession> all = List.copyOf(sessions.values());
        for (HostedSession s : all) {
            terminate(s.job().id(), reason);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (HostedSession s : all) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                s.awaitEnded(left);
            }
        }
        return Set.copyOf(sessions.keySet());
    }

    @Override
    public boolean startDrain(Optional<Duration> hardLimit) {
        // Only the idle hosts go now; a host with sessions goes when its last one ends (finish).
        // Telling every host to retire here raced a StartSession still on its way to a host
        // chosen just before the drain, which then exited with the session unserved.
        draining = true;
        for (int id : pool.drain()) {
            dismiss(id, "the worker is draining");
        }
        warmthChanged();
        return drain.start(hardLimit);
    }

    @Override
    public Optional<DrainReport> drainReport() {
        return drain.report();
    }

    @Override
    public void onDraining(String jobId, Instant deadline) {
        HostedSession s = sessions.get(jobId);
        if (s != null) {
            synchronized (s) {
                if (s.draining(deadline)) {
                    send(s.hostId, HostCommand.newBuilder().setDrainNotice(DrainNotice.newBuilder().setJobId(jobId)
                            .setDeadline(HostProtos.timestamp(deadline))).build());
                }
            }
        }
    }

    @Override
    public void onWrapUp(String jobId, Instant deadline) {
        HostedSession s = sessions.get(jobId);
        if (s != null) {
            send(s.hostId, HostCommand.newBuilder().setWrapUpNotice(WrapUpNotice.newBuilder().setJobId(jobId)
                    .setDeadline(HostProtos.timestamp(deadline))).build());
        }
    }

    @Override
    public void onDeadline(String jobId) {
        terminate(jobId, EndReason.DRAIN_DEADLINE);
    }

    @Override
    public int active() {
        return sessions.size();
    }

    @Override
    public Set<String> jobIds() {
        return Set.copyOf(sessions.keySet());
    }

    /** The hosts now, by id. */
    public List<HostView> hosts() {
        return pool.hosts().stream().map(h -> {
            HostProcess p = processes.get(h.id());
            return new HostView(h.id(), p == null ? -1 : p.pid(), h.state(), h.active(), h.served(), h.rssBytes());
        }).sorted(Comparator.comparingInt(HostView::id)).toList();
    }

    private void send(int hostId, HostCommand command) {
        HostProcess host = processes.get(hostId);
        if (host != null) {
            host.send(command);
        }
    }

    private void retire(int hostId, String reason) {
        send(hostId, HostCommand.newBuilder().setRetire(Retire.newBuilder().setReason(reason)).build());
    }

    /** Lets a host that holds no session go now (see {@link HostProcess#dismiss()}). */
    private void dismiss(int hostId, String reason) {
        HostProcess host = processes.get(hostId);
        if (host != null) {
            log.info("Session host {} holds no session; letting it go: {}", hostId, reason);
            host.dismiss();
        }
    }

    /** Kills hosts that stopped answering; their exit then fails their sessions. */
    private void reap() {
        try {
            for (int id : pool.unresponsive()) {
                HostProcess host = processes.get(id);
                if (host == null) {
                    pool.gone(id);
                    continue;
                }
                if (host.killCause() != null) {
                    continue; // killed already; its exit is on the way
                }
                boolean starting = pool.host(id).map(h -> h.state() == HostPool.State.STARTING).orElse(false);
                String cause = starting
                        ? "session host " + id + " did not attach within " + options.startTimeout().toMillis() + " ms of its start; killed it"
                        : "session host " + id + " stopped answering (no heartbeat for " + options.heartbeatTimeout().toMillis()
                                + " ms); killed it";
                log.error(cause);
                host.kill(cause);
            }
            ensureWarm();
        } catch (RuntimeException e) {
            log.warn("Session host check failed", e);
        }
    }

    /** A session is over: report it, free its slot, and let its host go if it is done. */
    private void finish(String jobId, boolean succeeded, String error, EndReason reason) {
        HostedSession s = sessions.remove(jobId);
        if (s == null) {
            return;
        }
        s.markEnded(reason);
        drain.sessionEnded(jobId);
        statusSink.update(jobId, succeeded ? JobStatus.JS_SUCCESS : JobStatus.JS_FAILED, error);
        try (var mdc = s.context.open()) {
            if (succeeded) {
                log.info("Session ended: job {} on session host {} ({})", jobId, s.hostId, reason);
            } else {
                log.warn("Session ended: job {} on session host {} ({}, JS_FAILED: {})", jobId, s.hostId, reason, error);
            }
        }
        tellObserver(() -> observer.sessionEnded(s, s.context, reason, succeeded, error));
        onEnded.accept(jobId);
        if (pool.sessionEnded(s.hostId, jobId)) {
            dismiss(s.hostId, pool.host(s.hostId).map(HostPool.HostInfo::retireReason).orElse("retired"));
        }
        ensureWarm();
    }

    private static void tellObserver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("A session observer failed", e);
        }
    }

    /** What the hosts say. */
    private final class Events implements HostProcess.Listener {
        @Override
        public void attached(HostProcess host) {
            pool.ready(host.id);
            warmthChanged();
            log.info("Session host {} ready (pid {}, {} ms after its start)", host.id, host.pid(),
                    (System.nanoTime() - host.startedNanos) / 1_000_000);
            // Now, not at open(): the trainer's CPU would slow the first warm host.
            if (!closed && classData.isPresent()) {
                Thread.ofVirtual().name("holdline-cds-train").start(() -> classData.get().trainIfMissing(command, hostArgs));
            }
            boolean retiring = pool.host(host.id).map(h -> h.state() == HostPool.State.RETIRING).orElse(true);
            if (idle(host.id) && (closed || retiring)) {
                dismiss(host.id, closed ? "the worker stopped" : "no longer needed");
            } else if (closed) {
                retire(host.id, "the worker stopped");
            }
        }

        @Override
        public void event(HostProcess host, HostEvent event) {
            switch (event.getEventCase()) {
                case SESSION_STARTED -> started(event.getSessionStarted().getJobId());
                case SESSION_ENDED -> {
                    var e = event.getSessionEnded();
                    finish(e.getJobId(), e.getSucceeded(), e.getError(), HostProtos.reason(e.getReason()));
                }
                case ROOM_JOINED -> media(event.getRoomJoined().getJobId(), "joined the room", true);
                case FIRST_AUDIO -> media(event.getFirstAudio().getJobId(), "first caller audio", false);
                case HEALTH -> {
                    var h = event.getHealth();
                    if (pool.heartbeat(host.id, h.getRssBytes(), h.getAccepting())) {
                        dismiss(host.id, pool.host(host.id).map(HostPool.HostInfo::retireReason).orElse("retired"));
                    }
                }
                default -> log.warn("Session host {} sent an unexpected {}", host.id, event.getEventCase());
            }
        }

        private void started(String jobId) {
            HostedSession s = sessions.get(jobId);
            if (s == null || !s.markStarted()) {
                return;
            }
            statusSink.update(jobId, JobStatus.JS_RUNNING, "");
            try (var mdc = s.context.open()) {
                log.info("Session started: job {} room '{}' as '{}' (profile '{}') on session host {}, {} ms after assignment",
                        jobId, s.roomName(), s.participantIdentity(), s.profile(), s.hostId,
                        (System.nanoTime() - s.assignedNanos) / 1_000_000);
            }
            tellObserver(() -> observer.sessionStarted(s, s.context));
        }

        private void media(String jobId, String what, boolean joined) {
            HostedSession s = sessions.get(jobId);
            if (s == null) {
                return;
            }
            try (var mdc = s.context.open()) {
                log.info("Job {}: {} {} ms after assignment", jobId, what, (System.nanoTime() - s.assignedNanos) / 1_000_000);
            }
            tellObserver(() -> {
                if (joined) {
                    observer.roomJoined(s, s.context);
                } else {
                    observer.firstAudio(s, s.context);
                }
            });
        }

        @Override
        public void exited(HostProcess host, int status) {
            // Off the process reaper's thread: closing the server waits a little.
            Thread.ofVirtual().name("holdline-host-" + host.id + "-exit").start(() -> reap(host, status));
        }

        private void reap(HostProcess host, int status) {
            processes.remove(host.id, host);
            host.closeServer();
            Set<String> lost = pool.gone(host.id);
            String cause = host.killCause() != null ? host.killCause()
                    : "session host " + host.id + " " + HostProcess.describeExit(status);
            if (lost.isEmpty() && (status == 0 || closed)) {
                log.info("Session host {} exited (code {})", host.id, status);
            } else {
                log.error("{}: {} session(s) lost: {}", cause, lost.size(), lost);
            }
            for (String jobId : lost) {
                finish(jobId, false, cause, EndReason.HANDLER_FAILED);
            }
            ensureWarm();
            warmthChanged();
        }
    }

    /**
     * Stops every host: an idle one is dismissed, one still holding sessions (they should have been
     * ended before) is told to retire, and what is left after a few seconds is killed. Then the
     * sockets go.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        warmthChanged();
        watchdog.shutdownNow();
        classData.ifPresent(HostClassData::close);
        List<HostProcess> all = List.copyOf(processes.values());
        for (HostProcess host : all) {
            if (idle(host.id)) {
                host.dismiss(); // also reaches a host still starting, which a Retire would wait for
            } else {
                retire(host.id, "the worker stopped");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            for (HostProcess host : all) {
                long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
                if (!host.awaitExit(left)) {
                    log.warn("Session host {} did not exit after the worker stopped; killing it", host.id);
                    host.kill("the worker stopped");
                    host.awaitExit(2000);
                }
                host.closeServer();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(h -> h.kill("the worker stopped"));
        }
        DrainTimer.shutdown(drainTimer);
        calls.shutdown();
        EventLoopGroup l = loops;
        if (l != null) {
            l.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        Path d = dir;
        if (d != null) {
            try (var files = Files.list(d)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(d);
            } catch (IOException e) {
                log.debug("Could not delete {}: {}", d, e.toString());
            }
        }
    }
}
