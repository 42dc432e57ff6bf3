package dev.holdline.devserver.agent;

import livekit.LivekitAgent.Job;
import livekit.LivekitAgent.JobStatus;

/**
 * A snapshot of one job.
 *
 * @param workerId the worker it is assigned to (after migration: the new one), or null
 * @param error the last error text, empty if none
 * @param participantIdentity the agent's identity in the room, empty until assigned
 */
public record JobView(
        String jobId,
        String dispatchId,
        String room,
        String agentName,
        String workerId,
        JobStatus status,
        String error,
        String participantIdentity) {

    static JobView of(Job job) {
        String workerId = job.getState().getWorkerId();
        return new JobView(
                job.getId(),
                job.getDispatchId(),
                job.getRoom().getName(),
                job.getAgentName(),
                workerId.isEmpty() ? null : workerId,
                job.getState().getStatus(),
                job.getState().getError(),
                job.getState().getParticipantIdentity());
    }
}
