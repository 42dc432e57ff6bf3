package dev.holdline.devserver.testing;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.JobView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base for tests against a running dev server: a fresh server per test (ephemeral port, dev
 * keys, short timeouts) and workers that are closed after it.
 */
public abstract class AgentTestSupport {
    protected static final String KEY = "devkey";
    protected static final String SECRET = "test-secret-0123456789";

    protected DevServer server;
    private final List<TestWorker> workers = new ArrayList<>();

    /** Override to change the server; the default offer timeout is long enough to never fire by accident. */
    protected DevServer.Builder configure(DevServer.Builder builder) {
        return builder;
    }

    @BeforeEach
    void startServer() {
        server = configure(DevServer.builder()
                        .port(0)
                        .key(KEY, SECRET)
                        .offerTimeout(Duration.ofSeconds(5))
                        .registerTimeout(Duration.ofSeconds(5)))
                .build()
                .start();
    }

    @AfterEach
    void stopServer() {
        // Server first: workers dropping out of a live server would set off re-offers and noise.
        if (server != null) {
            server.close();
        }
        workers.forEach(TestWorker::close);
    }

    /** A connected, unregistered worker with a valid token. */
    protected TestWorker connect() {
        return track(TestWorker.connect(server.wsUrl(), Tokens.worker(KEY, SECRET)));
    }

    /** A connected worker registered for {@code agentName}. */
    protected TestWorker registeredWorker(String agentName) {
        TestWorker worker = connect();
        worker.register(agentName);
        return worker;
    }

    protected TestWorker track(TestWorker worker) {
        workers.add(worker);
        return worker;
    }

    /** Reports a status and waits until the server has applied it. */
    protected void reportStatus(TestWorker worker, WorkerStatus status, float load) {
        worker.send(WorkerMessage.newBuilder()
                .setUpdateWorker(UpdateWorkerStatus.newBuilder().setStatus(status).setLoad(load))
                .build());
        awaitEvent(AgentEvent.StatusUpdated.class,
                e -> e.workerId().equals(worker.workerId()) && e.status() == status && e.load() == load);
    }

    protected <T extends AgentEvent> T awaitEvent(Class<T> type, Predicate<T> match) {
        return Events.awaitEvent(server, type, match);
    }

    protected JobView job(String jobId) {
        return server.jobs().stream()
                .filter(job -> job.jobId().equals(jobId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no job " + jobId));
    }

    protected JobView awaitJobStatus(String jobId, JobStatus status) {
        org.awaitility.Awaitility.await()
                .atMost(TestWorker.WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> job(jobId).status() == status);
        return job(jobId);
    }
}
