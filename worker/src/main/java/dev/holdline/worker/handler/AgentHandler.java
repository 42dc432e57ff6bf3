package dev.holdline.worker.handler;

/**
 * What an agent developer writes. {@link #run(Session)} is the session's entry point and runs on
 * its own virtual thread, so blocking calls are fine. The session ends when {@code run} returns.
 * Throwing fails only this session: it is reported {@code JS_FAILED} with the exception's text
 * and every other session carries on.
 */
@FunctionalInterface
public interface AgentHandler {

    /** Runs one session to its end. */
    void run(Session session) throws Exception;

    /**
     * Decides whether to take a job the scheduler has room for. Runs on a virtual thread with a
     * time budget (the worker's request timeout); call {@link JobRequest#accept} or
     * {@link JobRequest#reject} before it runs out. Returning without answering rejects the job
     * (logged). The default accepts with the default identity {@code agent-<job id>}.
     */
    default void onRequest(JobRequest request) {
        request.accept();
    }
}
