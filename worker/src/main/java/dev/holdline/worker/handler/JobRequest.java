package dev.holdline.worker.handler;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An offer the scheduler has room for, handed to {@link AgentHandler#onRequest}. Answer once:
 * later answers are ignored.
 */
public final class JobRequest {

    /** The answer given to the server. */
    public sealed interface Answer {
        /** Take the job and join as this participant. */
        record Accept(String identity, String name, String metadata, Map<String, String> attributes)
                implements Answer {
            public Accept {
                identity = Objects.requireNonNullElse(identity, "");
                name = Objects.requireNonNullElse(name, "");
                metadata = Objects.requireNonNullElse(metadata, "");
                attributes = Map.copyOf(Objects.requireNonNullElse(attributes, Map.of()));
            }
        }

        /** Decline; {@code terminate} asks the server not to offer the job to anyone else. */
        record Reject(boolean terminate) implements Answer {}
    }

    private final JobInfo job;
    private final CompletableFuture<Answer> answer = new CompletableFuture<>();

    public JobRequest(JobInfo job) {
        this.job = Objects.requireNonNull(job);
    }

    public JobInfo job() {
        return job;
    }

    /** Accepts with the default identity {@code agent-<job id>} and no name or metadata. */
    public void accept() {
        accept(defaultIdentity(job.id()), "", "", Map.of());
    }

    /** Accepts and joins the room with this identity, display name, metadata and attributes. */
    public void accept(String identity, String name, String metadata, Map<String, String> attributes) {
        String id = identity == null || identity.isBlank() ? defaultIdentity(job.id()) : identity;
        answer.complete(new Answer.Accept(id, name, metadata, attributes));
    }

    /** Declines; the server may offer the job to another worker. */
    public void reject() {
        reject(false);
    }

    /** Declines; with {@code terminate} the server stops offering this job to anyone. */
    public void reject(boolean terminate) {
        answer.complete(new Answer.Reject(terminate));
    }

    public boolean isAnswered() {
        return answer.isDone();
    }

    /** The answer, for the runtime. */
    public CompletableFuture<Answer> answer() {
        return answer;
    }

    /** LiveKit's default agent identity. */
    public static String defaultIdentity(String jobId) {
        return "agent-" + jobId;
    }
}
