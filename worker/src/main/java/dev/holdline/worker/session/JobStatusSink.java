package dev.holdline.worker.session;

import livekit.LivekitAgent.JobStatus;

/** Where session status goes (the agent connection, as {@code UpdateJobStatus}). */
@FunctionalInterface
public interface JobStatusSink {
    void update(String jobId, JobStatus status, String error);
}
