package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.devserver.testing.AgentTestSupport;
import dev.holdline.devserver.testing.Events;
import dev.holdline.devserver.testing.TestWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobAssignment;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.JobType;
import livekit.LivekitAgent.MigrateJobRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateJobStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitAgentDispatch.AgentDispatch;
import org.junit.jupiter.api.Test;

class DispatchTest extends AgentTestSupport {

    /** The one of {@code candidates} that was offered {@code jobId}, after waiting for the offer. */
    private TestWorker offeredWorker(String jobId, List<TestWorker> candidates, Set<String> excluded) {
        AgentEvent.OfferSent sent = awaitEvent(AgentEvent.OfferSent.class,
                e -> e.jobId().equals(jobId) && !excluded.contains(e.workerId()));
        return candidates.stream().filter(w -> w.workerId().equals(sent.workerId())).findFirst().orElseThrow();
    }

    private static String jobId(AgentDispatch dispatch) {
        return dispatch.getState().getJobs(0).getId();
    }

    @Test
    void anAcceptedOfferIsAssignedWithAVerifiableRoomToken() {
        TestWorker worker = registeredWorker("echo");
        AgentDispatch dispatch = server.createDispatch("room-1", "echo", "{\"caller\":1}");

        AvailabilityRequest offer = worker.expectOffer();
        assertEquals(jobId(dispatch), offer.getJob().getId());
        assertEquals(dispatch.getId(), offer.getJob().getDispatchId());
        assertEquals(JobType.JT_ROOM, offer.getJob().getType());
        assertEquals("room-1", offer.getJob().getRoom().getName());
        assertTrue(offer.getJob().getRoom().getSid().startsWith("RM_"));
        assertEquals("echo", offer.getJob().getAgentName());
        assertEquals("{\"caller\":1}", offer.getJob().getMetadata());
        assertEquals(JobStatus.JS_PENDING, offer.getJob().getState().getStatus());

        worker.answer(AvailabilityResponse.newBuilder()
                .setJobId(offer.getJob().getId())
                .setAvailable(true)
                .setParticipantIdentity("agent-echo-7")
                .setParticipantName("Echo")
                .setParticipantMetadata("m")
                .putParticipantAttributes("lk.agent.name", "echo")
                .build());
        JobAssignment assignment = worker.expect(ServerMessage.MessageCase.ASSIGNMENT).getAssignment();

        assertEquals(JobStatus.JS_RUNNING, assignment.getJob().getState().getStatus());
        assertEquals(worker.workerId(), assignment.getJob().getState().getWorkerId());
        assertEquals("agent-echo-7", assignment.getJob().getState().getParticipantIdentity());
        assertFalse(assignment.hasUrl(), "url stays unset: the worker uses the URL it connected to");

        DecodedJWT token = JWT.require(Algorithm.HMAC256(SECRET)).withIssuer(KEY).build().verify(assignment.getToken());
        assertEquals("agent-echo-7", token.getSubject());
        assertEquals("Echo", token.getClaim("name").asString());
        assertEquals("m", token.getClaim("metadata").asString());
        assertEquals("agent", token.getClaim("kind").asString());
        assertEquals(Map.of("lk.agent.name", "echo"), token.getClaim("attributes").asMap());
        Map<String, Object> video = token.getClaim("video").asMap();
        assertEquals("room-1", video.get("room"));
        for (String grant : List.of("roomJoin", "canPublish", "canSubscribe", "canPublishData", "agent")) {
            assertEquals(true, video.get(grant), grant);
        }

        awaitEvent(AgentEvent.JobAssigned.class, e -> e.jobId().equals(offer.getJob().getId()));
        assertEquals(new JobView(offer.getJob().getId(), dispatch.getId(), "room-1", "echo", worker.workerId(),
                JobStatus.JS_RUNNING, "", "agent-echo-7"), job(offer.getJob().getId()));
    }

    @Test
    void anEmptyParticipantIdentityBecomesAgentDashJobId() {
        TestWorker worker = registeredWorker("echo");
        server.createDispatch("room-1", "echo", "");
        String jobId = worker.expectOffer().getJob().getId();
        worker.answer(jobId, true);
        JobAssignment assignment = worker.expect(ServerMessage.MessageCase.ASSIGNMENT).getAssignment();
        assertEquals("agent-" + jobId, assignment.getJob().getState().getParticipantIdentity());
        assertEquals("agent-" + jobId, JWT.decode(assignment.getToken()).getSubject());
    }

    @Test
    void aDeclinedOfferGoesToTheNextWorker() {
        List<TestWorker> workers = List.of(registeredWorker("echo"), registeredWorker("echo"));
        String jobId = jobId(server.createDispatch("room-1", "echo", ""));

        TestWorker first = offeredWorker(jobId, workers, Set.of());
        first.expectOffer();
        first.answer(jobId, false);
        TestWorker second = offeredWorker(jobId, workers, Set.of(first.workerId()));
        second.expectOffer();
        second.answer(jobId, true);
        second.expect(ServerMessage.MessageCase.ASSIGNMENT);

        AgentEvent.OfferAnswered declined = awaitEvent(AgentEvent.OfferAnswered.class, e -> !e.available());
        assertEquals(first.workerId(), declined.workerId());
        assertTrue(declined.latencyNanos() > 0);
        assertEquals(second.workerId(), job(jobId).workerId());
    }

    @Test
    void aWorkerReportingFullIsNeverOffered() {
        TestWorker full = registeredWorker("echo");
        TestWorker available = registeredWorker("echo");
        reportStatus(full, WorkerStatus.WS_FULL, 0.2f);

        for (int i = 0; i < 8; i++) {
            String jobId = jobId(server.createDispatch("room-" + i, "echo", ""));
            assertEquals(jobId, available.expectOffer().getJob().getId());
        }
        assertTrue(Events.all(server, AgentEvent.OfferSent.class).stream()
                .noneMatch(e -> e.workerId().equals(full.workerId())));
        assertTrue(full.pending().isEmpty());
    }

    @Test
    void aWorkerWithAnotherAgentNameIsNeverOffered() {
        TestWorker other = registeredWorker("other");
        String jobId = jobId(server.createDispatch("room-1", "echo", ""));
        AgentEvent.JobUnassigned unassigned = awaitEvent(AgentEvent.JobUnassigned.class, e -> e.jobId().equals(jobId));
        assertEquals("no worker available for agent 'echo'", unassigned.reason());
        assertTrue(other.pending().isEmpty());
    }

    @Test
    void withNoWorkerTheJobFailsAtOnceWithoutQueueing() {
        String jobId = jobId(server.createDispatch("room-1", "nobody", ""));
        JobView failed = awaitJobStatus(jobId, JobStatus.JS_FAILED);
        assertEquals("no worker available for agent 'nobody'", failed.error());
        assertNull(failed.workerId());

        TestWorker late = registeredWorker("nobody");
        server.createDispatch("room-2", "nobody", ""); // a later job does reach the late worker...
        late.expectOffer();
        assertEquals(JobStatus.JS_FAILED, job(jobId).status()); // ...but the failed one stays failed
    }

    @Test
    void aTerminateAnswerStopsOfferingTheJobToAnyone() {
        List<TestWorker> workers = List.of(registeredWorker("echo"), registeredWorker("echo"));
        String jobId = jobId(server.createDispatch("room-1", "echo", ""));
        TestWorker first = offeredWorker(jobId, workers, Set.of());
        first.expectOffer();
        first.answer(AvailabilityResponse.newBuilder().setJobId(jobId).setAvailable(false).setTerminate(true).build());

        JobView failed = awaitJobStatus(jobId, JobStatus.JS_FAILED);
        assertTrue(failed.error().contains("terminate=true"), failed.error());
        awaitEvent(AgentEvent.JobUnassigned.class, e -> e.jobId().equals(jobId));
        assertEquals(1, Events.all(server, AgentEvent.OfferSent.class).size());
    }

    @Test
    void manyOffersToOneWorkerAreInFlightAtOnceAndAnsweredInAnyOrder() {
        TestWorker worker = registeredWorker("echo");
        int jobs = 20;
        for (int i = 0; i < jobs; i++) {
            server.createDispatch("room-" + i, "echo", "");
        }
        // All offers arrive before the worker answers any: nothing waits for an answer.
        List<String> offered = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            offered.add(worker.expectOffer().getJob().getId());
        }
        for (String jobId : offered.reversed()) {
            worker.answer(jobId, true);
        }
        Set<String> assigned = new java.util.HashSet<>();
        for (int i = 0; i < jobs; i++) {
            assigned.add(worker.expect(ServerMessage.MessageCase.ASSIGNMENT).getAssignment().getJob().getId());
        }
        assertEquals(Set.copyOf(offered), assigned);
    }

    @Test
    void jobStatusUpdatesAreRecorded() {
        TestWorker worker = registeredWorker("echo");
        server.createDispatch("room-1", "echo", "");
        String jobId = worker.expectOffer().getJob().getId();
        worker.answer(jobId, true);
        worker.expect(ServerMessage.MessageCase.ASSIGNMENT);

        worker.send(WorkerMessage.newBuilder()
                .setUpdateJob(UpdateJobStatus.newBuilder()
                        .setJobId(jobId).setStatus(JobStatus.JS_FAILED).setError("handler crashed"))
                .build());
        AgentEvent.JobStatusUpdated updated = awaitEvent(AgentEvent.JobStatusUpdated.class, e -> e.jobId().equals(jobId));
        assertEquals(new AgentEvent.JobStatusUpdated(jobId, worker.workerId(), JobStatus.JS_FAILED, "handler crashed"),
                updated);
        assertEquals(JobStatus.JS_FAILED, job(jobId).status());
        assertEquals("handler crashed", job(jobId).error());
    }

    @Test
    void deletingADispatchSendsJobTerminationToItsWorker() {
        TestWorker worker = registeredWorker("echo");
        AgentDispatch dispatch = server.createDispatch("room-1", "echo", "");
        String jobId = worker.expectOffer().getJob().getId();
        worker.answer(jobId, true);
        worker.expect(ServerMessage.MessageCase.ASSIGNMENT);

        AgentDispatch deleted = server.deleteDispatch(dispatch.getId(), "room-1").orElseThrow();
        assertTrue(deleted.getState().getDeletedAt() > 0);
        assertEquals(jobId, worker.expect(ServerMessage.MessageCase.TERMINATION).getTermination().getJobId());
        awaitEvent(AgentEvent.JobTerminationSent.class,
                e -> e.jobId().equals(jobId) && e.workerId().equals(worker.workerId()));
    }

    @Test
    void deletingARoomTerminatesTheJobsDispatchedToIt() {
        TestWorker worker = registeredWorker("echo");
        server.createDispatch("room-1", "echo", "");
        String jobId = worker.expectOffer().getJob().getId();
        worker.answer(jobId, true);
        worker.expect(ServerMessage.MessageCase.ASSIGNMENT);

        assertTrue(server.deleteRoom("room-1"));
        assertEquals(jobId, worker.expect(ServerMessage.MessageCase.TERMINATION).getTermination().getJobId());
        assertFalse(server.deleteRoom("room-1"));
    }

    @Test
    void deletingADispatchWithAnOpenOfferWithdrawsItAndALateAnswerIsIgnored() {
        TestWorker worker = registeredWorker("echo");
        AgentDispatch dispatch = server.createDispatch("room-1", "echo", "");
        String jobId = worker.expectOffer().getJob().getId();
        server.deleteDispatch(dispatch.getId(), "room-1");
        awaitEvent(AgentEvent.OfferCancelled.class, e -> e.jobId().equals(jobId));
        assertEquals(JobStatus.JS_FAILED, awaitJobStatus(jobId, JobStatus.JS_FAILED).status());

        worker.answer(jobId, true);
        awaitEvent(AgentEvent.ProtocolError.class, e -> e.description().contains("no open offer"));
        assertTrue(worker.pending().isEmpty(), "no assignment for a withdrawn offer");
    }

    @Test
    void aWorkerThatDisconnectsKeepsItsJobsUntilAReconnectMigratesThem() {
        TestWorker first = registeredWorker("echo");
        AgentDispatch dispatch = server.createDispatch("room-1", "echo", "");
        String jobId = first.expectOffer().getJob().getId();
        first.answer(jobId, true);
        first.expect(ServerMessage.MessageCase.ASSIGNMENT);

        first.abort();
        awaitEvent(AgentEvent.WorkerDisconnected.class, e -> e.workerId().equals(first.workerId()));
        assertEquals(JobStatus.JS_RUNNING, job(jobId).status(), "a lost socket does not fail the job");
        assertEquals(first.workerId(), job(jobId).workerId());

        TestWorker reconnected = registeredWorker("echo");
        reconnected.send(WorkerMessage.newBuilder()
                .setMigrateJob(MigrateJobRequest.newBuilder().addJobIds(jobId).addJobIds("AJ_unknown"))
                .build());
        AgentEvent.JobsMigrated migrated = awaitEvent(AgentEvent.JobsMigrated.class, e -> true);
        assertEquals(new AgentEvent.JobsMigrated(reconnected.workerId(), List.of(jobId)), migrated);
        assertEquals(reconnected.workerId(), job(jobId).workerId());
        awaitEvent(AgentEvent.ProtocolError.class, e -> e.description().contains("AJ_unknown"));

        server.deleteDispatch(dispatch.getId(), "room-1");
        assertEquals(jobId, reconnected.expect(ServerMessage.MessageCase.TERMINATION).getTermination().getJobId());
    }

    @Test
    void anOpenOfferMovesOnAtOnceWhenItsWorkerDisconnects() {
        List<TestWorker> workers = List.of(registeredWorker("echo"), registeredWorker("echo"));
        String jobId = jobId(server.createDispatch("room-1", "echo", ""));
        TestWorker first = offeredWorker(jobId, workers, Set.of());
        first.abort();
        TestWorker second = offeredWorker(jobId, workers, Set.of(first.workerId()));
        assertEquals(jobId, second.expectOffer().getJob().getId());
        awaitEvent(AgentEvent.OfferCancelled.class, e -> e.workerId().equals(first.workerId()));
    }

    @Test
    void eventsFollowTheJobInOrder() {
        TestWorker worker = registeredWorker("echo");
        String jobId = jobId(server.createDispatch("room-1", "echo", ""));
        worker.expectOffer();
        worker.answer(jobId, true);
        worker.expect(ServerMessage.MessageCase.ASSIGNMENT);
        awaitEvent(AgentEvent.JobAssigned.class, e -> true);

        List<String> kinds = server.events().stream()
                .map(e -> e.getClass().getSimpleName())
                .collect(Collectors.toList());
        assertEquals(List.of("WorkerConnected", "WorkerRegistered", "JobCreated", "OfferSent", "OfferAnswered",
                "JobAssigned"), kinds);
    }
}
