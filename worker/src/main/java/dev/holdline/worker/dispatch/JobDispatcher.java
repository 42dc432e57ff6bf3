package dev.holdline.worker.dispatch;

import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.scheduler.Admission;
import dev.holdline.scheduler.ReleaseReason;
import dev.holdline.scheduler.Scheduler;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.handler.JobRequest;
import dev.holdline.worker.handler.JobType;
import dev.holdline.worker.session.SessionRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobAssignment;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.JobTermination;
import livekit.LivekitAgent.UpdateJobStatus;
import livekit.LivekitAgent.WorkerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the server's job messages into scheduler decisions and sessions: offers are answered
 * through the scheduler within microseconds (the developer's {@code onRequest}, when it has one,
 * runs on a virtual thread with a time budget), assignments start sessions, terminations end
 * them.
 */
public final class JobDispatcher {
    private static final Logger log = LoggerFactory.getLogger(JobDispatcher.class);

    private final String agentName;
    private final AgentHandler handler;
    private final boolean customRequestHandler;
    private final Scheduler scheduler;
    private final SessionRuntime sessions;
    private final Consumer<WorkerMessage> out;
    private final String defaultUrl;
    private final Duration requestTimeout;
    private final Runnable onCapacityChange;
    private final Function<JobInfo, CallProfile> profiles;
    /** Accepted offers waiting for their assignment, with the identity we answered. */
    private final Map<String, JobRequest.Answer.Accept> accepted = new ConcurrentHashMap<>();
    private volatile OfferObserver offers = OfferObserver.NONE;

    public JobDispatcher(String agentName, AgentHandler handler, Scheduler scheduler, SessionRuntime sessions,
                         Consumer<WorkerMessage> out, String defaultUrl, Duration requestTimeout,
                         Runnable onCapacityChange, Function<JobInfo, CallProfile> profiles) {
        this.agentName = agentName;
        this.handler = handler;
        this.customRequestHandler = overridesOnRequest(handler);
        this.scheduler = scheduler;
        this.sessions = sessions;
        this.out = out;
        this.defaultUrl = defaultUrl;
        this.requestTimeout = requestTimeout;
        this.onCapacityChange = onCapacityChange;
        this.profiles = profiles;
    }

    /** Who hears how offers were answered (metrics). Set before the first offer. */
    public void observe(OfferObserver observer) {
        this.offers = observer;
    }

    /** Answers an offer. Never blocks the caller on developer code. */
    public void onAvailability(AvailabilityRequest request) {
        long receivedNanos = System.nanoTime();
        if (!request.hasJob() || request.getJob().getId().isEmpty()) {
            log.warn("LiveKit sent an availability request without a job id; ignored");
            return;
        }
        LivekitAgent.Job job = request.getJob();
        if (!agentName.equals(job.getAgentName())) {
            log.warn("Declined job {}: it is for agent '{}' but this worker serves '{}'",
                    job.getId(), job.getAgentName(), agentName);
            answer(job.getId(), null, false, OfferOutcome.WRONG_AGENT, receivedNanos);
            return;
        }
        Admission admission = scheduler.offer(job.getId());
        if (admission instanceof Admission.Rejected rejected) {
            log.debug("Declined job {}: {} ({})", job.getId(), rejected.reason(), rejected.detail());
            answer(job.getId(), null, false, OfferOutcome.of(rejected.reason()), receivedNanos);
            return;
        }
        onCapacityChange.run();
        JobRequest jobRequest = new JobRequest(toJobInfo(job));
        if (!customRequestHandler) {
            jobRequest.accept();
            deliver(jobRequest, receivedNanos);
            return;
        }
        Thread.ofVirtual().name("request-" + job.getId()).start(() -> {
            try {
                handler.onRequest(jobRequest);
                if (!jobRequest.isAnswered()) {
                    log.warn("onRequest returned without accepting or rejecting job {}; rejecting it", job.getId());
                    jobRequest.reject();
                }
            } catch (Throwable e) {
                log.error("onRequest threw for job {}; rejecting it", job.getId(), e);
                jobRequest.reject();
            }
        });
        jobRequest.answer()
                .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((a, e) -> {
                    if (e != null) {
                        log.warn("onRequest did not answer job {} within {} ms; rejecting it",
                                job.getId(), requestTimeout.toMillis());
                        jobRequest.reject();
                    }
                    deliver(jobRequest, receivedNanos);
                });
    }

    private void deliver(JobRequest request, long receivedNanos) {
        String jobId = request.job().id();
        JobRequest.Answer a = request.answer().getNow(new JobRequest.Answer.Reject(false));
        if (a instanceof JobRequest.Answer.Accept accept) {
            accepted.put(jobId, accept);
            answer(jobId, accept, false, OfferOutcome.ACCEPTED, receivedNanos);
        } else {
            scheduler.cancel(jobId, ReleaseReason.OFFER_DECLINED);
            onCapacityChange.run();
            answer(jobId, null, ((JobRequest.Answer.Reject) a).terminate(), OfferOutcome.HANDLER_DECLINED, receivedNanos);
        }
    }

    private void answer(String jobId, JobRequest.Answer.Accept accept, boolean terminate, OfferOutcome outcome,
                        long receivedNanos) {
        AvailabilityResponse.Builder r = AvailabilityResponse.newBuilder().setJobId(jobId)
                .setAvailable(accept != null).setTerminate(terminate);
        if (accept != null) {
            r.setParticipantIdentity(accept.identity())
                    .setParticipantName(accept.name())
                    .setParticipantMetadata(accept.metadata())
                    .putAllParticipantAttributes(accept.attributes());
            if (!accept.attributes().containsKey("lk.agent.name")) {
                r.putParticipantAttributes("lk.agent.name", agentName);
            }
        }
        out.accept(WorkerMessage.newBuilder().setAvailability(r).build());
        offers.offerAnswered(outcome, System.nanoTime() - receivedNanos);
    }

    /** The server assigned a job we accepted: start its session. */
    public void onAssignment(JobAssignment assignment) {
        LivekitAgent.Job job = assignment.getJob();
        JobRequest.Answer.Accept accept = accepted.remove(job.getId());
        if (!scheduler.start(job.getId())) {
            log.warn("LiveKit assigned job {} but this worker holds no reservation for it "
                    + "(never accepted, or its assignment came too late); reporting it failed", job.getId());
            sendStatus(job.getId(), JobStatus.JS_FAILED, "worker had no reservation for this job");
            return;
        }
        String identity = accept != null ? accept.identity()
                : job.hasState() && !job.getState().getParticipantIdentity().isEmpty()
                ? job.getState().getParticipantIdentity() : JobRequest.defaultIdentity(job.getId());
        String url = assignment.hasUrl() && !assignment.getUrl().isBlank() ? assignment.getUrl() : defaultUrl;
        try {
            JobInfo info = toJobInfo(job);
            sessions.start(info, identity, url, assignment.getToken(), profiles.apply(info));
        } catch (RuntimeException e) {
            log.error("Could not start the session for job {}", job.getId(), e);
            scheduler.end(job.getId());
            sendStatus(job.getId(), JobStatus.JS_FAILED, "session start failed: " + e.getMessage());
            onCapacityChange.run();
        }
    }

    /** The server asked us to end a job. */
    public void onTermination(JobTermination termination) {
        String jobId = termination.getJobId();
        if (sessions.terminate(jobId, EndReason.JOB_TERMINATED)) {
            return;
        }
        if (accepted.remove(jobId) != null) {
            scheduler.cancel(jobId, ReleaseReason.START_FAILED);
            onCapacityChange.run();
            log.info("Job {} was terminated before its assignment arrived; reservation released", jobId);
            return;
        }
        log.warn("LiveKit asked to terminate job {}, which is not running here; ignored", jobId);
    }

    /** Releases reservations whose assignment never came. Called on the status tick. */
    public void expireReservations() {
        List<String> expired = scheduler.expireReservations();
        for (String jobId : expired) {
            accepted.remove(jobId);
            log.warn("The assignment for job {} did not arrive in time; its slot is released", jobId);
        }
        if (!expired.isEmpty()) {
            onCapacityChange.run();
        }
    }

    public void sendStatus(String jobId, JobStatus status, String error) {
        out.accept(WorkerMessage.newBuilder().setUpdateJob(UpdateJobStatus.newBuilder()
                .setJobId(jobId).setStatus(status).setError(error == null ? "" : error)).build());
    }

    static JobInfo toJobInfo(LivekitAgent.Job job) {
        JobType type = switch (job.getType()) {
            case JT_PUBLISHER -> JobType.PUBLISHER;
            case JT_PARTICIPANT -> JobType.PARTICIPANT;
            default -> JobType.ROOM;
        };
        return new JobInfo(job.getId(), job.getDispatchId(), type,
                job.hasRoom() ? job.getRoom().getName() : "", job.hasRoom() ? job.getRoom().getSid() : "",
                job.getAgentName(), job.getMetadata(),
                job.hasParticipant() ? job.getParticipant().getIdentity() : "",
                job.hasParticipant() ? job.getParticipant().getAttributesMap() : Map.of());
    }

    private static boolean overridesOnRequest(AgentHandler handler) {
        try {
            return handler.getClass().getMethod("onRequest", JobRequest.class).getDeclaringClass() != AgentHandler.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }
}
