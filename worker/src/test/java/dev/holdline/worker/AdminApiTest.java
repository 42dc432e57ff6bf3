package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.protobuf.util.Durations;
import dev.holdline.worker.admin.v1.ConnectionState;
import dev.holdline.worker.admin.v1.DrainRequest;
import dev.holdline.worker.admin.v1.DrainResponse;
import dev.holdline.worker.admin.v1.EndReason;
import dev.holdline.worker.admin.v1.Event;
import dev.holdline.worker.admin.v1.LifecycleState;
import dev.holdline.worker.admin.v1.ListSessionsRequest;
import dev.holdline.worker.admin.v1.SessionInfo;
import dev.holdline.worker.admin.v1.StatusRequest;
import dev.holdline.worker.admin.v1.StatusResponse;
import dev.holdline.worker.admin.v1.WatchEventsRequest;
import dev.holdline.worker.admin.v1.WorkerStatus;
import dev.holdline.worker.handler.DrainListener;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The admin API through a real grpc-java client over TCP, against a real worker and the dev server. */
@ExtendWith(NoLeakedThreads.class)
class AdminApiTest {
    private static final String TOKEN = "admin-token-0123456789abcdef";

    private final Fixture fx = new Fixture();
    private AdminClient client;

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
        if (client != null) {
            client.close();
        }
    }

    private AdminClient connect(Worker w) {
        assertTrue(w.adminPort() > 0, "admin API is on");
        client = new AdminClient("127.0.0.1", w.adminPort());
        return client;
    }

    @Test
    void healthFlipsToNotServingOnDrainAndDrainOverTheApiDrainsLikeSigterm() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Instant> drainDeadline = new CompletableFuture<>();
        Worker w = fx.start(fx.worker("alpha", s -> {
            s.addDrainListener(new DrainListener() {
                @Override
                public void onDraining(Instant deadline) {
                    drainDeadline.complete(deadline);
                }
            });
            started.countDown();
            release.await();
        }).adminPort(0));
        AdminClient c = connect(w);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.health() == ServingStatus.SERVING);
        assertEquals(LifecycleState.READY, c.admin().status(StatusRequest.getDefaultInstance()).getState());

        fx.dispatch("room-a", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Instant before = Instant.now();
        DrainResponse drained = c.admin().drain(DrainRequest.newBuilder().setReason("deploy 42").build());
        assertTrue(drained.getStarted());
        assertEquals(LifecycleState.DRAINING, drained.getState());
        assertEquals(1, drained.getActiveSessions());
        assertFalse(drained.hasLimit(), "no stop timeout and no deadline: the profile alone decides");

        // What SIGTERM does: NOT_SERVING, WS_FULL, the session told its profile's deadline, offers declined.
        assertEquals(ServingStatus.NOT_SERVING, c.health());
        StatusResponse status = c.admin().status(StatusRequest.getDefaultInstance());
        assertEquals(LifecycleState.DRAINING, status.getState());
        assertEquals(WorkerStatus.FULL, status.getStatus());
        assertEquals(1, status.getDrain().getSessionsAtStart());
        long seconds = Duration.between(before, drainDeadline.get(5, TimeUnit.SECONDS)).toSeconds();
        assertTrue(seconds >= 299 && seconds <= 300, "the built-in profile's 300 s, was " + seconds);
        fx.server.offerToFullWorkers(true);
        fx.dispatch("room-late", "alpha", "");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.events().stream()
                .anyMatch(e -> e instanceof dev.holdline.devserver.agent.AgentEvent.OfferAnswered a && !a.available()));
        assertFalse(c.admin().drain(DrainRequest.getDefaultInstance()).getStarted(), "a second drain changes nothing");

        release.countDown();
        assertTrue(w.awaitTermination(Duration.ofSeconds(10)), "the worker stops when its last session ends");
        assertEquals(1, w.drainReport().orElseThrow().finished());
    }

    @Test
    void aDrainDeadlineFromTheApiCapsTheProfilesDeadline() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> {
            started.countDown();
            s.awaitEnd(); // holds on until the worker ends it
        }).adminPort(0));
        AdminClient c = connect(w);
        fx.dispatch("room-cap", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));

        DrainResponse r = c.admin().drain(DrainRequest.newBuilder().setDeadline(Durations.fromMillis(800)).build());
        assertEquals(Duration.ofMillis(800), Duration.ofSeconds(r.getLimit().getSeconds(), r.getLimit().getNanos()));
        List<SessionInfo> sessions = c.admin().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();
        assertEquals(1, sessions.size());
        assertTrue(sessions.getFirst().hasDrainDeadline(), "the session shows its deadline");
        assertTrue(w.awaitTermination(Duration.ofSeconds(10)), "ended at 0.8 s, not the profile's 300 s");
        assertEquals(1, w.drainReport().orElseThrow().endedAtDeadline());
        assertTrue(fx.server.jobs().stream().anyMatch(j -> j.room().equals("room-cap") && j.status() == JobStatus.JS_FAILED
                && j.error().startsWith("ended at its drain deadline")));
    }

    @Test
    void aNegativeDrainDeadlineIsRefused() throws Exception {
        Worker w = fx.start(fx.worker("alpha", s -> s.awaitEnd()).adminPort(0));
        var e = assertThrows(StatusRuntimeException.class, () -> connect(w).admin()
                .drain(DrainRequest.newBuilder().setDeadline(Durations.fromSeconds(-5)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(dev.holdline.lifecycle.LifecycleState.READY, w.state());
    }

    @Test
    void watchEventsStreamsSessionStartAndEndThenTheDrainAndCompletes() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> {
            started.countDown();
            s.awaitEnd();
        }).adminPort(0));
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        CompletableFuture<Void> completed = new CompletableFuture<>();
        connect(w).adminAsync().watchEvents(WatchEventsRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                events.add(e);
            }

            @Override
            public void onError(Throwable t) {
                completed.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                completed.complete(null);
            }
        });
        Event first = next(events);
        assertTrue(first.hasSnapshot(), first.toString());
        assertEquals(LifecycleState.READY, first.getSnapshot().getState());
        assertEquals(ConnectionState.REGISTERED, first.getSnapshot().getConnection());
        assertEquals(0, first.getSnapshot().getSessionsCount());

        var dispatch = fx.dispatch("room-w", "alpha", "");
        Event start = next(events);
        assertTrue(start.hasSessionStarted(), start.toString());
        SessionInfo session = start.getSessionStarted().getSession();
        assertEquals("room-w", session.getRoomName());
        assertEquals("default", session.getProfile());
        assertTrue(session.getJobId().startsWith("AJ_"), session.getJobId());
        assertTrue(session.getSessionId().startsWith("SE_"), session.getSessionId());
        assertEquals(dispatch.getId(), session.getDispatchId());
        assertTrue(started.await(5, TimeUnit.SECONDS));
        assertEquals(List.of(session.getSessionId()), client.admin().listSessions(ListSessionsRequest.getDefaultInstance())
                .getSessionsList().stream().map(SessionInfo::getSessionId).toList());

        fx.dispatchClient().deleteDispatch("room-w", dispatch.getId()).execute();
        Event end = next(events);
        assertTrue(end.hasSessionEnded(), end.toString());
        assertEquals(session.getSessionId(), end.getSessionEnded().getSession().getSessionId());
        assertEquals(EndReason.JOB_TERMINATED, end.getSessionEnded().getReason());
        assertTrue(end.getSessionEnded().getSucceeded());
        assertTrue(end.getSessionEnded().hasDuration());

        w.drain("test over");
        Event draining = next(events);
        assertEquals(LifecycleState.DRAINING, draining.getLifecycle().getTo(), draining.toString());
        assertEquals("test over", draining.getLifecycle().getReason());
        Event stopped = next(events);
        assertEquals(LifecycleState.STOPPED, stopped.getLifecycle().getTo(), stopped.toString());
        completed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void beyondLocalhostTheWorkerRefusesToStartWithoutATokenAndCallsNeedIt() throws Exception {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> fx.worker("alpha", s -> s.awaitEnd()).adminHost("0.0.0.0").adminPort(0).build());
        assertTrue(refused.getMessage().contains("beyond localhost") && refused.getMessage().contains("HOLDLINE_ADMIN_TOKEN"),
                refused.getMessage());

        var logs = fx.captureLogs("dev.holdline");
        Worker w = fx.start(fx.worker("alpha", s -> s.awaitEnd()).adminHost("0.0.0.0").adminPort(0).adminToken(TOKEN));
        AdminClient c = connect(w);
        var none = assertThrows(StatusRuntimeException.class, () -> c.admin().status(StatusRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
        var wrong = assertThrows(StatusRuntimeException.class, () -> c.admin()
                .withCallCredentials(AdminClient.authorization("Bearer not-the-token-at-all")).status(StatusRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
        var drain = assertThrows(StatusRuntimeException.class, () -> c.admin().drain(DrainRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, drain.getStatus().getCode());
        assertEquals(dev.holdline.lifecycle.LifecycleState.READY, w.state(), "a refused Drain drains nothing");

        StatusResponse ok = c.admin().withCallCredentials(AdminClient.authorization("Bearer " + TOKEN))
                .status(StatusRequest.getDefaultInstance());
        assertEquals("alpha", ok.getAgentName());
        assertEquals(ServingStatus.SERVING, c.health(), "health needs no token (load balancers cannot send one)");

        List<String> lines;
        synchronized (logs) {
            lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("Refused admin call") && l.contains("wrong bearer token")), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains(TOKEN) || l.contains(Fixture.SECRET)), "no token or secret in the logs");
        assertFalse(w.options().toString().contains(TOKEN));
    }

    @Test
    void statusTellsWhatWorkerShowsAndReflectionListsTheServices() throws Exception {
        Worker w = fx.start(fx.worker("alpha", s -> s.awaitEnd()).adminPort(0).maxSessions(7));
        AdminClient c = connect(w);
        StatusResponse s = c.admin().status(StatusRequest.getDefaultInstance());
        assertEquals(w.workerId(), s.getWorkerId());
        assertEquals(7, s.getMaxSessions());
        assertEquals(ConnectionState.REGISTERED, s.getConnection());
        assertEquals(WorkerStatus.AVAILABLE, s.getStatus());
        assertFalse(s.hasLoadThreshold(), "the test worker has none");
        assertEquals("task", s.getProtection(0).getKind());
        assertFalse(s.getProtection(0).getEnabled(), "not on ECS");

        CompletableFuture<List<String>> services = new CompletableFuture<>();
        var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(c.channel).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                services.complete(r.getListServicesResponse().getServiceList().stream()
                        .map(io.grpc.reflection.v1.ServiceResponse::getName).sorted().toList());
            }

            @Override
            public void onError(Throwable t) {
                services.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
        assertEquals(List.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "holdline.admin.v1.WorkerAdmin"),
                services.get(10, TimeUnit.SECONDS));
        requests.onCompleted();
    }

    @Test
    void aShortTokenIsRefusedWithoutShowingIt() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> fx.worker("alpha", s -> { }).adminPort(0).adminToken("short-secret").build());
        assertTrue(e.getMessage().contains("shorter than 16"), e.getMessage());
        assertFalse(e.getMessage().contains("short-secret"));
    }

    private static Event next(BlockingQueue<Event> events) throws InterruptedException {
        Event e = events.poll(10, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no event within 10 s");
        }
        return e;
    }
}
