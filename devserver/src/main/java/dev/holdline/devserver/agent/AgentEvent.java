package dev.holdline.devserver.agent;

import java.util.List;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.WorkerStatus;

/**
 * Something that happened on the agent side, recorded in order for tests and diagnostics.
 * Events are published after the state change they describe is visible in {@code workers()} and
 * {@code jobs()}.
 */
public sealed interface AgentEvent {

    /** A socket passed authentication and was upgraded; it is not registered yet. */
    record WorkerConnected(String remote) implements AgentEvent {}

    record WorkerRegistered(String workerId, String agentName) implements AgentEvent {}

    /** The worker's socket closed. Its jobs stay assigned to it: it may reconnect and migrate them. */
    record WorkerDisconnected(String workerId) implements AgentEvent {}

    record StatusUpdated(String workerId, WorkerStatus status, float load, int jobCount) implements AgentEvent {}

    /** A job was created by a dispatch and is about to be offered. */
    record JobCreated(String jobId, String dispatchId, String room, String agentName) implements AgentEvent {}

    record OfferSent(String jobId, String workerId) implements AgentEvent {}

    record OfferAnswered(String jobId, String workerId, boolean available, boolean terminate, long latencyNanos)
            implements AgentEvent {}

    record OfferTimedOut(String jobId, String workerId) implements AgentEvent {}

    /** An open offer was withdrawn without an answer (worker disconnected, or job deleted). */
    record OfferCancelled(String jobId, String workerId, String reason) implements AgentEvent {}

    record JobAssigned(String jobId, String workerId, String participantIdentity) implements AgentEvent {}

    /** The job ended without a worker: nobody took it, a worker asked to terminate it, or it was deleted first. */
    record JobUnassigned(String jobId, String reason) implements AgentEvent {}

    record JobStatusUpdated(String jobId, String workerId, JobStatus status, String error) implements AgentEvent {}

    /** The jobs (of those the worker named) that are now associated with this worker. */
    record JobsMigrated(String workerId, List<String> jobIds) implements AgentEvent {
        public JobsMigrated {
            jobIds = List.copyOf(jobIds);
        }
    }

    record JobTerminationSent(String jobId, String workerId) implements AgentEvent {}

    /** A peer broke the protocol; the description says how and what the server did about it. */
    record ProtocolError(String workerIdOrRemote, String description) implements AgentEvent {}

    record AuthRejected(String remote, String reason) implements AgentEvent {}
}
