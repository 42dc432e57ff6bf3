package dev.holdline.devserver.agent;

import dev.holdline.devserver.auth.TokenMinter.AgentJoin;
import dev.holdline.devserver.auth.TokenMinter;
import dev.holdline.devserver.events.EventLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.Job;
import livekit.LivekitAgent.JobAssignment;
import livekit.LivekitAgent.JobState;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.JobTermination;
import livekit.LivekitAgent.MigrateJobRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateJobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers jobs to workers, one worker at a time, and tracks each job through assignment,
 * status updates, migration and termination.
 *
 * <p>All job and offer state is confined to one thread, the dispatcher loop: public methods only
 * post a task, so a socket's read thread never waits for an answer and offers to any number of
 * workers (or many offers to one worker) are in flight independently, each with its own timeout
 * scheduled on the same loop. Other threads read jobs through immutable {@link Job} protos
 * published after every change.
 *
 * <p>Like LiveKit's open-source server there is no queue: when no eligible worker is left the job
 * fails at once.
 */
final class JobDispatcher {
    private static final Logger log = LoggerFactory.getLogger(JobDispatcher.class);

    private final WorkerRegistry workers;
    private final EventLog<AgentEvent> events;
    private final TokenMinter tokens;
    /** Fault injection: assignment tokens name this room instead of the job's; null normally. */
    private volatile String tokenRoomOverride;
    private final Duration offerTimeout;
    private final Clock clock;
    private final RandomGenerator random;
    private final ScheduledExecutorService loop;

    /** Confined to the loop thread. */
    private final Map<String, JobRecord> jobsById = new HashMap<>();

    /** The latest state of every job, in creation order, for readers on any thread. */
    private final Map<String, Job> published = Collections.synchronizedMap(new LinkedHashMap<>());

    JobDispatcher(
            WorkerRegistry workers,
            EventLog<AgentEvent> events,
            TokenMinter tokens,
            Duration offerTimeout,
            Clock clock,
            RandomGenerator random,
            ScheduledExecutorService loop) {
        this.workers = workers;
        this.events = events;
        this.tokens = tokens;
        this.offerTimeout = offerTimeout;
        this.clock = clock;
        this.random = random;
        this.loop = loop;
    }

    // ---- entry points, callable from any thread ------------------------------------------------

    /**
     * Makes a worker eligible for offers, sends it its {@code RegisterWorkerResponse} and
     * publishes {@code WorkerRegistered}. This runs on the loop so it is ordered with offers: no
     * offer, and no event about one, can precede the worker's registration. The worker is in the
     * registry before its reply is sent, so a peer reacting to the reply finds itself registered.
     */
    void register(Worker worker, ServerMessage reply) {
        onLoop("register " + worker.id(), () -> {
            workers.add(worker);
            worker.send(reply);
            log.info("worker {} registered: agent '{}', type {}, version '{}'{}",
                    worker, worker.agentName(), worker.jobType(), worker.version(),
                    worker.namespace().isEmpty() ? "" : ", namespace '" + worker.namespace() + "'");
            events.publish(new AgentEvent.WorkerRegistered(worker.id(), worker.agentName()));
        });
    }

    /** Registers a new job (state {@code JS_PENDING}) and starts offering it. */
    void start(Job job) {
        published.put(job.getId(), job);
        onLoop("start job " + job.getId(), () -> {
            JobRecord record = new JobRecord(job);
            jobsById.put(job.getId(), record);
            events.publish(new AgentEvent.JobCreated(
                    job.getId(), job.getDispatchId(), job.getRoom().getName(), job.getAgentName()));
            offerNext(record);
        });
    }

    void onAvailability(Worker worker, AvailabilityResponse response) {
        onLoop("availability from " + worker.id(), () -> handleAvailability(worker, response));
    }

    void assignTokensForRoom(String room) {
        tokenRoomOverride = room;
    }

    void onJobStatus(Worker worker, UpdateJobStatus update) {
        onLoop("job status from " + worker.id(), () -> handleJobStatus(worker, update));
    }

    void onMigrate(Worker worker, MigrateJobRequest request) {
        onLoop("migration from " + worker.id(), () -> handleMigrate(worker, request));
    }

    /**
     * The worker's socket closed: publishes {@code WorkerDisconnected} after anything the worker
     * did before, and moves its open offers on. Its jobs stay assigned to it.
     */
    void onWorkerGone(Worker worker) {
        AgentEvent gone = new AgentEvent.WorkerDisconnected(worker.id());
        boolean queued = onLoop("disconnect of " + worker.id(), () -> {
            events.publish(gone);
            handleWorkerGone(worker);
        });
        if (!queued) {
            events.publish(gone); // stopping: nothing to re-offer, but the record stays complete
        }
    }

    /**
     * Ends a job because its dispatch or room was deleted: a running job's worker is sent
     * {@code JobTermination}; a job still being offered is withdrawn.
     */
    void terminate(String jobId, String reason) {
        onLoop("terminate " + jobId, () -> handleTerminate(jobId, reason));
    }

    Optional<Job> job(String jobId) {
        return Optional.ofNullable(published.get(jobId));
    }

    List<JobView> views() {
        List<Job> jobs;
        synchronized (published) {
            jobs = List.copyOf(published.values());
        }
        List<JobView> views = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            views.add(JobView.of(job));
        }
        return views;
    }

    /**
     * Runs a task on the loop, after every task posted before it. After shutdown the task is
     * dropped (the server is stopping).
     *
     * @return false if dropped
     */
    boolean onLoop(String what, Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("dispatcher failed to {}", what, e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            log.debug("dispatcher stopped; dropped: {}", what);
            return false;
        }
    }

    // ---- loop-thread handlers -----------------------------------------------------------------

    private void offerNext(JobRecord record) {
        Job job = record.job;
        List<Worker> candidates =
                workers.offerCandidates(job.getAgentName(), job.getType(), record.triedWorkerIds);
        Optional<Worker> chosen = WorkerSelector.pick(candidates, Worker::load, random);
        if (chosen.isEmpty()) {
            endWithoutWorker(record, "no worker available for agent '" + job.getAgentName() + "'");
            return;
        }
        Worker worker = chosen.get();
        record.triedWorkerIds.add(worker.id());
        Offer offer = new Offer(worker.id(), System.nanoTime());
        record.openOffer = offer;
        offer.timeout = loop.schedule(
                () -> offerTimedOut(record, offer), offerTimeout.toNanos(), TimeUnit.NANOSECONDS);
        log.debug("offering job {} to worker {}", job.getId(), worker);
        events.publish(new AgentEvent.OfferSent(job.getId(), worker.id()));

        ServerMessage request = ServerMessage.newBuilder()
                .setAvailability(AvailabilityRequest.newBuilder().setJob(job))
                .build();
        if (!worker.send(request)) {
            cancelOffer(record, "socket closed before the offer was sent");
            offerNext(record);
        }
    }

    private void offerTimedOut(JobRecord record, Offer offer) {
        if (record.openOffer != offer) {
            return; // answered or withdrawn just before the timeout fired
        }
        record.openOffer = null;
        log.warn("worker {} did not answer the offer of job {} within {} ms; trying the next worker",
                offer.workerId, record.job.getId(), offerTimeout.toMillis());
        events.publish(new AgentEvent.OfferTimedOut(record.job.getId(), offer.workerId));
        offerNext(record);
    }

    private void handleAvailability(Worker worker, AvailabilityResponse response) {
        JobRecord record = jobsById.get(response.getJobId());
        if (record == null) {
            protocolError(worker, "AvailabilityResponse for unknown job '" + response.getJobId() + "' ignored");
            return;
        }
        Offer offer = record.openOffer;
        if (offer == null || !offer.workerId.equals(worker.id())) {
            protocolError(worker, "AvailabilityResponse for job " + response.getJobId()
                    + " ignored: no open offer of it to this worker (answered after its offer timed out"
                    + " or was withdrawn, or never offered)");
            return;
        }
        offer.timeout.cancel(false);
        record.openOffer = null;
        long latencyNanos = System.nanoTime() - offer.sentAtNanos;
        events.publish(new AgentEvent.OfferAnswered(
                record.job.getId(), worker.id(), response.getAvailable(), response.getTerminate(), latencyNanos));

        if (response.getAvailable()) {
            assign(record, worker, response);
        } else if (response.getTerminate()) {
            endWithoutWorker(record, "worker " + worker.id()
                    + " declined with terminate=true; not offered to other workers");
        } else {
            log.info("worker {} declined job {}; trying the next worker", worker.id(), record.job.getId());
            offerNext(record);
        }
    }

    private void assign(JobRecord record, Worker worker, AvailabilityResponse response) {
        Job job = record.job;
        String identity = response.getParticipantIdentity().isEmpty()
                ? "agent-" + job.getId()
                : response.getParticipantIdentity();
        String tokenRoom = tokenRoomOverride;
        String token = tokens.mintAgentToken(new AgentJoin(
                tokenRoom != null ? tokenRoom : job.getRoom().getName(),
                identity,
                response.getParticipantName(),
                response.getParticipantMetadata(),
                response.getParticipantAttributesMap()));
        long now = nowNanos();
        update(record, job.getState().toBuilder()
                .setStatus(JobStatus.JS_RUNNING)
                .setWorkerId(worker.id())
                .setParticipantIdentity(identity)
                .setStartedAt(now)
                .setUpdatedAt(now));

        // url stays unset: the worker joins the room at the URL it connected to.
        ServerMessage assignment = ServerMessage.newBuilder()
                .setAssignment(JobAssignment.newBuilder().setJob(record.job).setToken(token))
                .build();
        if (worker.send(assignment)) {
            log.info("job {} assigned to worker {} as '{}' in room '{}'",
                    job.getId(), worker.id(), identity, job.getRoom().getName());
        } else {
            log.warn("job {} assigned to worker {} but its socket closed before the assignment was sent",
                    job.getId(), worker.id());
        }
        events.publish(new AgentEvent.JobAssigned(job.getId(), worker.id(), identity));
    }

    private void handleJobStatus(Worker worker, UpdateJobStatus status) {
        JobRecord record = jobsById.get(status.getJobId());
        if (record == null) {
            protocolError(worker, "UpdateJobStatus for unknown job '" + status.getJobId() + "' ignored");
            return;
        }
        JobStatus current = record.job.getState().getStatus();
        if (isFinal(current)) {
            // As LiveKit: an ended job is no longer a worker's; a worker re-sending updates after a
            // reconnect (it cannot know which ones the lost socket delivered) changes nothing.
            log.debug("UpdateJobStatus {} for job {} that already ended as {}; ignored", status.getStatus(),
                    status.getJobId(), current);
            return;
        }
        String owner = record.job.getState().getWorkerId();
        if (!owner.equals(worker.id())) {
            log.warn("UpdateJobStatus for job {} comes from worker {} but the job is assigned to {};"
                    + " recording it anyway", status.getJobId(), worker.id(), owner.isEmpty() ? "nobody" : owner);
        }
        long now = nowNanos();
        JobState.Builder state = record.job.getState().toBuilder()
                .setStatus(status.getStatus())
                .setError(status.getError())
                .setUpdatedAt(now);
        if (status.getStatus() == JobStatus.JS_RUNNING && state.getStartedAt() == 0) {
            state.setStartedAt(now);
        }
        if (isFinal(status.getStatus())) {
            state.setEndedAt(now);
        }
        update(record, state);
        log.info("job {} is now {} (reported by worker {}){}", status.getJobId(), status.getStatus(),
                worker.id(), status.getError().isEmpty() ? "" : ": " + status.getError());
        events.publish(new AgentEvent.JobStatusUpdated(
                status.getJobId(), worker.id(), status.getStatus(), status.getError()));
    }

    private void handleMigrate(Worker worker, MigrateJobRequest request) {
        List<String> migrated = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String jobId : request.getJobIdsList()) {
            JobRecord record = jobsById.get(jobId);
            if (record == null) {
                unknown.add(jobId);
                continue;
            }
            update(record, record.job.getState().toBuilder().setWorkerId(worker.id()).setUpdatedAt(nowNanos()));
            migrated.add(jobId);
        }
        if (!unknown.isEmpty()) {
            protocolError(worker, "MigrateJobRequest names unknown jobs " + unknown + "; ignored those");
        }
        log.info("worker {} took over jobs {}", worker.id(), migrated);
        events.publish(new AgentEvent.JobsMigrated(worker.id(), migrated));
    }

    private void handleWorkerGone(Worker worker) {
        for (JobRecord record : List.copyOf(jobsById.values())) {
            Offer offer = record.openOffer;
            if (offer != null && offer.workerId.equals(worker.id())) {
                log.info("worker {} disconnected with job {} on offer; trying the next worker",
                        worker.id(), record.job.getId());
                cancelOffer(record, "worker disconnected");
                offerNext(record);
            }
        }
    }

    private void handleTerminate(String jobId, String reason) {
        JobRecord record = jobsById.get(jobId);
        if (record == null) {
            log.debug("terminate: job {} not known", jobId);
            return;
        }
        if (record.openOffer != null) {
            cancelOffer(record, reason);
            endWithoutWorker(record, reason);
            return;
        }
        JobState state = record.job.getState();
        if (state.getStatus() != JobStatus.JS_RUNNING) {
            return; // never assigned, or already over: nobody to tell
        }
        Optional<Worker> worker = workers.find(state.getWorkerId());
        ServerMessage termination = ServerMessage.newBuilder()
                .setTermination(JobTermination.newBuilder().setJobId(jobId))
                .build();
        if (worker.isPresent() && worker.get().isConnected() && worker.get().send(termination)) {
            log.info("asked worker {} to terminate job {} ({})", state.getWorkerId(), jobId, reason);
            events.publish(new AgentEvent.JobTerminationSent(jobId, state.getWorkerId()));
        } else {
            log.warn("cannot send JobTermination for job {} ({}): worker {} is not connected",
                    jobId, reason, state.getWorkerId());
        }
    }

    // ---- helpers (loop thread) ----------------------------------------------------------------

    private void cancelOffer(JobRecord record, String reason) {
        Offer offer = record.openOffer;
        if (offer.timeout != null) {
            offer.timeout.cancel(false);
        }
        record.openOffer = null;
        events.publish(new AgentEvent.OfferCancelled(record.job.getId(), offer.workerId, reason));
    }

    private void endWithoutWorker(JobRecord record, String reason) {
        long now = nowNanos();
        update(record, record.job.getState().toBuilder()
                .setStatus(JobStatus.JS_FAILED)
                .setError(reason)
                .setUpdatedAt(now)
                .setEndedAt(now));
        log.warn("job {} (agent '{}', room '{}') ended without a worker: {}",
                record.job.getId(), record.job.getAgentName(), record.job.getRoom().getName(), reason);
        events.publish(new AgentEvent.JobUnassigned(record.job.getId(), reason));
    }

    private void update(JobRecord record, JobState.Builder state) {
        record.job = record.job.toBuilder().setState(state).build();
        published.put(record.job.getId(), record.job);
    }

    private void protocolError(Worker worker, String description) {
        log.warn("protocol error from worker {}: {}", worker.id(), description);
        events.publish(new AgentEvent.ProtocolError(worker.id(), description));
    }

    /** LiveKit stamps job and dispatch times in Unix nanoseconds. */
    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static boolean isFinal(JobStatus status) {
        return status == JobStatus.JS_SUCCESS || status == JobStatus.JS_FAILED;
    }

    /** Mutable per-job dispatch state; loop thread only. */
    private static final class JobRecord {
        Job job;
        final Set<String> triedWorkerIds = new HashSet<>();
        Offer openOffer;

        JobRecord(Job job) {
            this.job = job;
        }
    }

    /** One outstanding AvailabilityRequest. Identity matters: a stale timeout must not close a newer offer. */
    private static final class Offer {
        final String workerId;
        final long sentAtNanos;
        ScheduledFuture<?> timeout;

        Offer(String workerId, long sentAtNanos) {
            this.workerId = workerId;
            this.sentAtNanos = sentAtNanos;
        }
    }
}
