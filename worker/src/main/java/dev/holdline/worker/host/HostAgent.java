package dev.holdline.worker.host;

import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.host.v1.EndSession;
import dev.holdline.worker.host.v1.FirstAudio;
import dev.holdline.worker.host.v1.Health;
import dev.holdline.worker.host.v1.Hello;
import dev.holdline.worker.host.v1.HostCommand;
import dev.holdline.worker.host.v1.HostEvent;
import dev.holdline.worker.host.v1.RoomJoined;
import dev.holdline.worker.host.v1.SessionEnded;
import dev.holdline.worker.host.v1.SessionHostLinkGrpc;
import dev.holdline.worker.host.v1.SessionStarted;
import dev.holdline.worker.host.v1.StartSession;
import dev.holdline.worker.logging.SessionLogContext;
import dev.holdline.worker.session.SessionManager;
import dev.holdline.worker.session.SessionObserver;
import dev.holdline.worker.telemetry.ProcFs;
import dev.holdline.worker.host.v1.Retire;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of a session host: runs sessions with the in-process {@link SessionManager}
 * (so the handler sees exactly the same {@code Session}), and tells the supervisor what happens.
 *
 * <p>A session asked to end whose handler has not returned two termination graces later (the
 * first grace ends with an interrupt) is given up: reported ended, and the host takes no more
 * sessions (its thread may be stuck for good) and exits when its other sessions end.
 */
final class HostAgent {
    private static final Logger log = LoggerFactory.getLogger(HostAgent.class);

    private final int id;
    private final SessionManager sessions;
    private final Duration heartbeatInterval;
    private final Duration grace;
    /** Sessions the supervisor counts as running here: started and neither ended nor given up. */
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Set<String> givenUp = ConcurrentHashMap.newKeySet();
    private final AtomicInteger served = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("holdline-host-timer").factory());
    private final CountDownLatch exit = new CountDownLatch(1);
    private volatile int exitStatus;
    private volatile boolean accepting = true;
    private volatile boolean retiring;
    private EventLoopGroup loops;
    private ManagedChannel channel;
    private StreamObserver<HostEvent> events;

    HostAgent(int id, AgentHandler handler, Duration heartbeatInterval, Duration grace) {
        this.id = id;
        this.heartbeatInterval = heartbeatInterval;
        this.grace = grace;
        // Status goes up as events (below); UpdateJobStatus is the supervisor's business.
        this.sessions = new SessionManager(handler, (jobId, status, error) -> { }, this::ended, grace);
        sessions.observe(new Reporter());
    }

    /**
     * Connects to the supervisor, says hello and starts the heartbeat. First it makes the media
     * engine the first session will use: the hello means "ready", and on a cold host that engine
     * (webrtc-java's native library, a factory) took seconds of the first call's join.
     */
    void attach(String address, String key) {
        long t0 = System.nanoTime();
        try {
            sessions.prewarmMedia();
            log.debug("Session host {}: media engine ready in {} ms", id, (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            // The first session will meet the same fault and report it; the host still serves.
            log.warn("Session host {}: could not prepare a media engine ahead of time: {}", id, e.toString());
        }
        loops = HostTransport.eventLoops("holdline-host-io");
        channel = HostTransport.channel(address, loops);
        events = SessionHostLinkGrpc.newStub(channel).attach(new Commands());
        send(HostEvent.newBuilder().setHello(Hello.newBuilder().setHostId(id)
                .setPid(ProcessHandle.current().pid()).setKey(key)).build());
        long period = heartbeatInterval.toMillis();
        try {
            timer.scheduleAtFixedRate(this::heartbeat, 0, period, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return; // the link failed at once and the host is stopping; that is logged already
        }
        log.info("Session host {} attached (pid {})", id, ProcessHandle.current().pid());
    }

    /**
     * Does what a host does from its start to its exit (a handler, the session manager, a gRPC
     * link over the same transport, the hello, the heartbeat, a retire, the goodbye), against a
     * loopback supervisor of its own. A JVM run so under {@code -XX:ArchiveClassesAtExit} records
     * the classes later hosts map from the archive instead of loading them (see {@link HostClassData}).
     */
    static void train(AgentHandler handler, Duration grace) throws IOException, InterruptedException {
        Path dir = HostTransport.privateDir("holdline-host-train-");
        Path socket = dir.resolve("train.sock");
        EventLoopGroup loops = HostTransport.eventLoops("holdline-train-io");
        Server server = HostTransport.server(socket, loops).addService(new SessionHostLinkGrpc.SessionHostLinkImplBase() {
            @Override
            public StreamObserver<HostEvent> attach(StreamObserver<HostCommand> out) {
                return new StreamObserver<>() {
                    private boolean retired;

                    @Override
                    public void onNext(HostEvent event) {
                        if (!retired) {
                            retired = true;
                            out.onNext(HostCommand.newBuilder().setRetire(Retire.newBuilder().setReason("training")).build());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        // the trainee is gone; nothing to keep
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        }).build().start();
        try {
            HostAgent agent = new HostAgent(0, handler, Duration.ofMillis(100), grace);
            agent.attach(HostTransport.address(socket, server), "training");
            agent.awaitExit();
        } finally {
            server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    /** Blocks until the host should exit; returns the exit status. */
    int awaitExit() {
        try {
            exit.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exitStatus;
    }

    private synchronized void send(HostEvent event) {
        try {
            events.onNext(event);
        } catch (RuntimeException e) {
            log.warn("Session host {}: could not send {} to the supervisor: {}", id, event.getEventCase(), e.toString());
        }
    }

    private void heartbeat() {
        send(HostEvent.newBuilder().setHealth(Health.newBuilder().setRssBytes(rssBytes()).setThreads(osThreads())
                .setSessionsServed(served.get()).setSessionsActive(live.size()).setAccepting(accepting)).build());
    }

    private void start(StartSession s) {
        String jobId = s.getJob().getId();
        served.incrementAndGet();
        if (retiring || !accepting) {
            log.warn("Session host {} is retiring; refusing job {}", id, jobId);
            send(ended(jobId, false, "session host " + id + " is retiring and took no new session",
                    EndReason.HANDLER_FAILED));
            return;
        }
        var job = HostProtos.job(s.getJob());
        var profile = HostProtos.profile(s.getProfile());
        live.add(jobId);
        sessions.start(job, s.getParticipantIdentity(), s.getUrl(), s.getToken(), profile,
                new SessionLogContext(jobId, s.getSessionId(), job.roomName(), profile.name()));
        if (s.hasDrainDeadline()) {
            sessions.onDraining(jobId, HostProtos.instant(s.getDrainDeadline()));
        }
    }

    private void end(EndSession e) {
        String jobId = e.getJobId();
        EndReason reason = HostProtos.reason(e.getReason());
        if (!sessions.terminate(jobId, reason)) {
            return;
        }
        // The manager interrupts the handler after one grace; after the second we give up on it.
        timer.schedule(() -> giveUpIfStuck(jobId, reason), 2 * grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void giveUpIfStuck(String jobId, EndReason reason) {
        if (!live.remove(jobId)) {
            return;
        }
        givenUp.add(jobId);
        accepting = false;
        String error = "handler did not return within " + 2 * grace.toMillis() + " ms of being asked to end (" + reason
                + ", interrupted after " + grace.toMillis() + " ms); session host " + id + " gave it up and retires";
        log.error("Job {}: {}", jobId, error);
        send(ended(jobId, false, reason == EndReason.DRAIN_DEADLINE
                ? "ended at its drain deadline; " + error : error, reason));
        heartbeat();
        exitIfDone();
    }

    private static HostEvent ended(String jobId, boolean succeeded, String error, EndReason reason) {
        return HostEvent.newBuilder().setSessionEnded(SessionEnded.newBuilder().setJobId(jobId).setSucceeded(succeeded)
                .setError(error).setReason(HostProtos.reason(reason))).build();
    }

    private void ended(String jobId) {
        exitIfDone();
    }

    private void exitIfDone() {
        if (retiring && live.isEmpty()) {
            stop(0);
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

    private void stop(int status) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        exitStatus = status;
        log.info("Session host {} exiting ({} session(s) served)", id, served.get());
        timer.shutdownNow();
        try {
            synchronized (this) {
                events.onCompleted();
            }
        } catch (RuntimeException ignored) {
            // the link is gone already
        }
        // Let the last events (a SessionEnded) reach the supervisor before the process goes:
        // shutdown() waits for the call, which the supervisor closes once it has read them all.
        channel.shutdown();
        try {
            channel.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.shutdownNow();
        sessions.close();
        exit.countDown();
    }

    /** Commands from the supervisor, in order. */
    private final class Commands implements StreamObserver<HostCommand> {
        @Override
        public void onNext(HostCommand c) {
            try {
                switch (c.getCommandCase()) {
                    case START_SESSION -> start(c.getStartSession());
                    case END_SESSION -> end(c.getEndSession());
                    case DRAIN_NOTICE -> sessions.onDraining(c.getDrainNotice().getJobId(),
                            HostProtos.instant(c.getDrainNotice().getDeadline()));
                    case WRAP_UP_NOTICE -> sessions.onWrapUp(c.getWrapUpNotice().getJobId(),
                            HostProtos.instant(c.getWrapUpNotice().getDeadline()));
                    case RETIRE -> {
                        log.info("Session host {} retires: {}", id, c.getRetire().getReason());
                        retiring = true;
                        exitIfDone();
                    }
                    default -> log.warn("Session host {}: unknown command {}", id, c.getCommandCase());
                }
            } catch (RuntimeException e) {
                log.error("Session host {}: command {} failed", id, c.getCommandCase(), e);
                if (c.hasStartSession()) {
                    String jobId = c.getStartSession().getJob().getId();
                    live.remove(jobId);
                    send(ended(jobId, false, "session start failed in session host " + id + ": " + e.getMessage(),
                            EndReason.HANDLER_FAILED));
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            // Without the link nobody hears of these sessions any more; the supervisor reaps us anyway.
            log.error("Session host {}: lost the link to the supervisor ({}); exiting", id, t.toString());
            stop(1);
        }

        @Override
        public void onCompleted() {
            stop(retiring ? 0 : 1);
        }
    }

    /** Session events, up to the supervisor. Given-up sessions stay silent when they finally end. */
    private final class Reporter implements SessionObserver {
        @Override
        public void sessionStarted(Session session, SessionLogContext context) {
            send(HostEvent.newBuilder().setSessionStarted(SessionStarted.newBuilder().setJobId(context.jobId())).build());
        }

        @Override
        public void roomJoined(Session session, SessionLogContext context) {
            send(HostEvent.newBuilder().setRoomJoined(RoomJoined.newBuilder().setJobId(context.jobId())).build());
        }

        @Override
        public void firstAudio(Session session, SessionLogContext context) {
            send(HostEvent.newBuilder().setFirstAudio(FirstAudio.newBuilder().setJobId(context.jobId())).build());
        }

        @Override
        public void sessionEnded(Session session, SessionLogContext context, EndReason reason, boolean succeeded,
                                 String error) {
            if (givenUp.remove(context.jobId()) || !live.remove(context.jobId())) {
                return;
            }
            send(ended(context.jobId(), succeeded, error, reason));
        }
    }

    static long rssBytes() {
        OptionalLong kib = ProcFs.rssKib("self");
        // Not Linux: the heap is the best figure there is.
        return kib.isPresent() ? kib.getAsLong() * 1024 : Runtime.getRuntime().totalMemory();
    }

    static int osThreads() {
        return (int) ProcFs.threads("self").orElseGet(Thread::activeCount);
    }
}
