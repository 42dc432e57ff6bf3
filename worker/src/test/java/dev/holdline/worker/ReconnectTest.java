package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.worker.handler.EndReason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A lost agent socket pauses offers, never sessions. */
@ExtendWith(NoLeakedThreads.class)
class ReconnectTest {
    private final Fixture fx = new Fixture();

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void aSessionSurvivesTheServerClosingTheSocketAndItsJobIsMigrated() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<EndReason> ended = new CompletableFuture<>();
        Worker worker = fx.start(fx.worker("alpha", session -> {
            session.addShutdownCallback(ended::complete);
            started.countDown();
            session.awaitEnd();
        }));
        String firstWorkerId = worker.workerId();
        var dispatch = fx.dispatch("room-1", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        String jobId = fx.server.jobs().getFirst().jobId();

        assertTrue(fx.server.disconnectWorker(firstWorkerId));

        await().atMost(Duration.ofSeconds(10)).until(() -> worker.registrations() == 2);
        String secondWorkerId = worker.workerId();
        assertNotEquals(firstWorkerId, secondWorkerId, "re-registration gives a new worker id");
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.events().stream().anyMatch(e ->
                e instanceof AgentEvent.JobsMigrated m && m.workerId().equals(secondWorkerId) && m.jobIds().contains(jobId)));
        assertFalse(ended.isDone(), "the session ended when only the agent socket was lost");
        assertEquals(1, worker.activeSessions());

        // After migration the server reaches the session through the new connection.
        var delete = fx.dispatchClient().deleteDispatch("room-1", dispatch.getId()).execute();
        assertTrue(delete.isSuccessful());
        assertEquals(EndReason.JOB_TERMINATED, ended.get(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.jobs().stream()
                .anyMatch(j -> j.jobId().equals(jobId) && j.status() == JobStatus.JS_SUCCESS));
    }

    @Test
    void aJobThatEndsWhileDisconnectedIsReportedAfterTheReconnect() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        Worker worker = fx.start(fx.worker("alpha", session -> {
            started.countDown();
            release.await();
        }).reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        fx.dispatch("room-2", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        String jobId = fx.server.jobs().getFirst().jobId();
        // Close the socket and end the session before the reconnect can happen.
        CountDownLatch gone = new CountDownLatch(1);
        fx.server.addListener(e -> {
            if (e instanceof AgentEvent.WorkerDisconnected) {
                gone.countDown();
            }
        });
        fx.server.disconnectWorker(worker.workerId());
        assertTrue(gone.await(5, TimeUnit.SECONDS));
        // Wait until the worker has seen the loss, so the update is held rather than written into
        // the dead socket (that path has its own test below).
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .until(() -> worker.connectionState() != dev.holdline.worker.protocol.AgentConnection.State.REGISTERED);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.jobs().stream()
                .anyMatch(j -> j.jobId().equals(jobId) && j.status() == JobStatus.JS_SUCCESS));
        assertEquals(0, worker.activeSessions());
    }

    @Test
    void aSilentServerIsNoticedAndTheWorkerReconnectsWithItsSessionRunning() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        try (FreezableProxy proxy = new FreezableProxy(fx.server.port())) {
            Worker worker = fx.start(fx.worker("alpha", session -> {
                started.countDown();
                session.awaitEnd();
            }).url("http://127.0.0.1:" + proxy.port()).silenceTimeout(Duration.ofSeconds(1)));
            fx.dispatch("room-3", "alpha", "");
            assertTrue(started.await(10, TimeUnit.SECONDS));
            String jobId = fx.server.jobs().getFirst().jobId();

            proxy.freezeOpenConnections(); // half-open: no FIN, no bytes

            await().atMost(Duration.ofSeconds(10)).until(() -> worker.registrations() == 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.events().stream().anyMatch(e ->
                    e instanceof AgentEvent.JobsMigrated m && m.jobIds().contains(jobId)));
            assertEquals(1, worker.activeSessions());
        }
    }

    @Test
    void aJobThatEndsIntoASocketTheServerNoLongerReadsIsReportedAfterTheReconnect() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try (FreezableProxy proxy = new FreezableProxy(fx.server.port())) {
            Worker worker = fx.start(fx.worker("alpha", session -> {
                started.countDown();
                release.await();
            }).url("http://127.0.0.1:" + proxy.port()).silenceTimeout(Duration.ofSeconds(1)));
            fx.dispatch("room-4", "alpha", "");
            assertTrue(started.await(10, TimeUnit.SECONDS));
            String jobId = fx.server.jobs().getFirst().jobId();

            // The socket still takes writes, but nothing reaches the server: the job's end is
            // written into it before the worker can know the connection is dead.
            proxy.freezeOpenConnections();
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> worker.activeSessions() == 0);
            assertEquals(1, worker.registrations(), "the worker noticed the loss before the job ended");

            await().atMost(Duration.ofSeconds(10)).until(() -> worker.registrations() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.jobs().stream()
                    .anyMatch(j -> j.jobId().equals(jobId) && j.status() == JobStatus.JS_SUCCESS));
        }
    }
}
