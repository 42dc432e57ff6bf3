package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.testing.AgentTestSupport;
import dev.holdline.devserver.testing.TestWorker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.ServerMessage;
import org.junit.jupiter.api.Test;

class OfferTimeoutTest extends AgentTestSupport {

    @Override
    protected DevServer.Builder configure(DevServer.Builder builder) {
        return builder.offerTimeout(Duration.ofMillis(400));
    }

    @Test
    void anUnansweredOfferTimesOutAndGoesToTheNextWorker() {
        // Whoever is offered the job first stays silent; the other accepts at once.
        AtomicReference<String> firstOffered = new AtomicReference<>();
        server.addListener(event -> {
            if (event instanceof AgentEvent.OfferSent sent) {
                firstOffered.compareAndSet(null, sent.workerId());
            }
        });
        List<TestWorker> workers = List.of(registeredWorker("echo"), registeredWorker("echo"));
        for (TestWorker worker : workers) {
            worker.answerOffersWith(offer -> worker.workerId().equals(firstOffered.get())
                    ? null
                    : AvailabilityResponse.newBuilder().setJobId(offer.getJob().getId()).setAvailable(true).build());
        }
        String jobId = server.createDispatch("room-1", "echo", "").getState().getJobs(0).getId();

        AgentEvent.OfferTimedOut timedOut = awaitEvent(AgentEvent.OfferTimedOut.class, e -> e.jobId().equals(jobId));
        assertEquals(firstOffered.get(), timedOut.workerId());
        TestWorker silent = workers.stream().filter(w -> w.workerId().equals(timedOut.workerId())).findFirst().orElseThrow();
        TestWorker next = workers.stream().filter(w -> w != silent).findFirst().orElseThrow();
        next.expectOffer();
        next.expect(ServerMessage.MessageCase.ASSIGNMENT);
        assertEquals(next.workerId(), job(jobId).workerId());

        // The silent worker answering now is too late: ignored, logged, no assignment.
        silent.expectOffer();
        silent.answer(jobId, true);
        awaitEvent(AgentEvent.ProtocolError.class, e -> e.workerIdOrRemote().equals(silent.workerId()));
        assertEquals(next.workerId(), job(jobId).workerId());
        assertTrue(silent.pending().isEmpty());
    }

    @Test
    void whenEveryWorkerTimesOutTheJobFails() {
        TestWorker only = registeredWorker("echo");
        String jobId = server.createDispatch("room-1", "echo", "").getState().getJobs(0).getId();
        only.expectOffer();
        assertEquals("no worker available for agent 'echo'", awaitJobStatus(jobId, JobStatus.JS_FAILED).error());
    }
}
