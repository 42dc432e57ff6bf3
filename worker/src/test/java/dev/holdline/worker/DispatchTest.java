package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.JobRequest;
import dev.holdline.worker.handler.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.WorkerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Dispatches made through LiveKit's Java server SDK reach the right workers, exactly once. */
@ExtendWith(NoLeakedThreads.class)
class DispatchTest {
    private final Fixture fx = new Fixture();
    /** job id → the workers that ran it. */
    private final Map<String, List<String>> ranOn = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private AgentHandler recording(String workerLabel) {
        return session -> ranOn.computeIfAbsent(session.job().id(), k -> new CopyOnWriteArrayList<>()).add(workerLabel);
    }

    private void awaitAllSucceeded(List<String> jobIds) {
        await().atMost(Duration.ofSeconds(20)).until(() -> fx.server.jobs().stream()
                .filter(j -> jobIds.contains(j.jobId()))
                .filter(j -> j.status() == JobStatus.JS_SUCCESS).count() == jobIds.size());
    }

    private List<String> jobIdsOf(List<String> dispatchIds) {
        return fx.server.jobs().stream().filter(j -> dispatchIds.contains(j.dispatchId())).map(JobView::jobId).toList();
    }

    @Test
    void everyJobRunsExactlyOnceOnAWorkerWithTheRightAgentName() throws Exception {
        fx.start(fx.worker("alpha", recording("alpha-1")));
        fx.start(fx.worker("alpha", recording("alpha-2")));
        fx.start(fx.worker("beta", recording("beta-1")));

        List<String> alphaDispatches = new ArrayList<>();
        List<String> betaDispatches = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            alphaDispatches.add(fx.dispatch("room-a" + i, "alpha", "").getId());
        }
        for (int i = 0; i < 4; i++) {
            betaDispatches.add(fx.dispatch("room-b" + i, "beta", "").getId());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> jobIdsOf(alphaDispatches).size() == 12
                && jobIdsOf(betaDispatches).size() == 4);
        List<String> alphaJobs = jobIdsOf(alphaDispatches);
        List<String> betaJobs = jobIdsOf(betaDispatches);
        List<String> all = new ArrayList<>(alphaJobs);
        all.addAll(betaJobs);
        awaitAllSucceeded(all);

        for (String job : alphaJobs) {
            List<String> workers = ranOn.get(job);
            assertEquals(1, workers.size(), "job " + job + " ran " + workers);
            assertTrue(workers.get(0).startsWith("alpha-"), "alpha job ran on " + workers);
        }
        for (String job : betaJobs) {
            assertEquals(List.of("beta-1"), ranOn.get(job));
        }
        assertEquals(16, ranOn.size(), "no job ran that was not dispatched");
    }

    @Test
    void aWorkerThatRejectsPassesTheJobToTheOther() throws Exception {
        List<String> seenByRejecter = new CopyOnWriteArrayList<>();
        Worker rejecter = fx.start(fx.worker("alpha", new AgentHandler() {
            @Override
            public void run(Session session) {
                throw new AssertionError("the rejecting worker must not run a session");
            }

            @Override
            public void onRequest(JobRequest request) {
                seenByRejecter.add(request.job().id());
                request.reject();
            }
        }));
        Worker taker = fx.start(fx.worker("alpha", recording("taker")));

        List<String> dispatches = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            dispatches.add(fx.dispatch("room-r" + i, "alpha", "").getId());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> jobIdsOf(dispatches).size() == 10);
        List<String> jobs = jobIdsOf(dispatches);
        awaitAllSucceeded(jobs);

        for (String job : jobs) {
            assertEquals(List.of("taker"), ranOn.get(job));
        }
        // With random choice the rejecter is asked first about half the time; 10 jobs make
        // "never asked" a 1-in-1024 event, so at least one job went rejecter → taker.
        List<AgentEvent.OfferAnswered> answers = fx.server.events().stream()
                .filter(AgentEvent.OfferAnswered.class::isInstance).map(AgentEvent.OfferAnswered.class::cast).toList();
        Set<String> declined = new HashSet<>();
        for (var a : answers) {
            if (a.workerId().equals(rejecter.workerId())) {
                assertTrue(!a.available(), "the rejecter answered available=true for " + a.jobId());
                declined.add(a.jobId());
            }
        }
        assertTrue(!declined.isEmpty(), "the rejecting worker was never offered a job");
        assertEquals(declined, new HashSet<>(seenByRejecter));
        for (String job : declined) {
            assertTrue(answers.stream().anyMatch(a -> a.jobId().equals(job) && a.available()
                    && a.workerId().equals(taker.workerId())), "job " + job + " was not passed on");
        }
    }

    @Test
    void aFullWorkerIsSkipped() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        Worker full = fx.start(fx.worker("alpha", session -> {
            holding.countDown();
            session.awaitEnd();
        }).maxSessions(1));
        fx.dispatch("room-hold", "alpha", "");
        assertTrue(holding.await(10, java.util.concurrent.TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.workers().stream()
                .anyMatch(w -> w.workerId().equals(full.workerId()) && w.status() == WorkerStatus.WS_FULL));
        assertEquals(WorkerStatus.WS_FULL, full.status());

        fx.start(fx.worker("alpha", recording("other")));
        long offersToFullBefore = offersTo(full.workerId());
        List<String> dispatches = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            dispatches.add(fx.dispatch("room-f" + i, "alpha", "").getId());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> jobIdsOf(dispatches).size() == 6);
        List<String> jobs = jobIdsOf(dispatches);
        awaitAllSucceeded(jobs);
        for (String job : jobs) {
            assertEquals(List.of("other"), ranOn.get(job));
        }
        assertEquals(offersToFullBefore, offersTo(full.workerId()), "the full worker was offered a job");
        assertEquals(1, full.activeSessions());
    }

    private long offersTo(String workerId) {
        return fx.server.events().stream().filter(e -> e instanceof AgentEvent.OfferSent o && o.workerId().equals(workerId))
                .count();
    }

    @Test
    void anAcceptedIdentityNameAndAttributesReachTheAssignmentAndTheSession() throws Exception {
        java.util.concurrent.CompletableFuture<String> identity = new java.util.concurrent.CompletableFuture<>();
        fx.start(fx.worker("alpha", new AgentHandler() {
            @Override
            public void run(Session session) {
                identity.complete(session.participantIdentity());
            }

            @Override
            public void onRequest(JobRequest request) {
                request.accept("support-bot", "Support Bot", "{\"lang\":\"en\"}", Map.of("team", "blue"));
            }
        }));
        fx.dispatch("room-id", "alpha", "");
        assertEquals("support-bot", identity.get(10, java.util.concurrent.TimeUnit.SECONDS));
        // The server records the assignment after sending it: the session may start first.
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.events().stream().anyMatch(e ->
                e instanceof AgentEvent.JobAssigned a && a.participantIdentity().equals("support-bot")));
    }

    @Test
    void aRejectWithTerminateStopsTheServerOfferingTheJobToAnyoneElse() throws Exception {
        Worker terminator = fx.start(fx.worker("alpha", new AgentHandler() {
            @Override
            public void run(Session session) {
                throw new AssertionError("must not run");
            }

            @Override
            public void onRequest(JobRequest request) {
                request.reject(true);
            }
        }));
        Worker other = fx.start(fx.worker("alpha", recording("other")));
        // The server picks at random; dispatch until a job is offered to the terminator first.
        for (int i = 0; i < 20; i++) {
            var d = fx.dispatch("room-term-" + i, "alpha", "");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.jobs().stream().anyMatch(j ->
                    j.dispatchId().equals(d.getId()) && (j.status() == JobStatus.JS_FAILED || j.status() == JobStatus.JS_SUCCESS)));
            String jobId = jobIdsOf(List.of(d.getId())).getFirst();
            List<AgentEvent.OfferSent> offers = fx.server.events().stream()
                    .filter(e -> e instanceof AgentEvent.OfferSent o && o.jobId().equals(jobId))
                    .map(AgentEvent.OfferSent.class::cast).toList();
            if (offers.getFirst().workerId().equals(terminator.workerId())) {
                assertEquals(1, offers.size(), "after terminate=true the job was offered again: " + offers);
                assertEquals(JobStatus.JS_FAILED, fx.server.jobs().stream().filter(j -> j.jobId().equals(jobId))
                        .findFirst().orElseThrow().status());
                assertTrue(!ranOn.containsKey(jobId));
                return;
            }
            assertEquals(List.of("other"), ranOn.get(jobId));
        }
        throw new AssertionError("the terminating worker was never offered a job first in 20 dispatches");
    }
}
