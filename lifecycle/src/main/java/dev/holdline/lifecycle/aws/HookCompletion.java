package dev.holdline.lifecycle.aws;

/**
 * How this worker ends the instance's termination lifecycle hook once it is idle. There is no
 * default: which one is safe depends on how many worker tasks share an instance, which the worker
 * cannot see.
 */
public enum HookCompletion {
    /**
     * {@code CompleteLifecycleAction(CONTINUE)} as soon as this worker is idle, so the instance
     * terminates at once. Safe only when this is the <em>only</em> worker task on the instance:
     * completing the hook lets Auto Scaling terminate the instance under any other task still in a call.
     */
    COMPLETE_WHEN_IDLE,

    /**
     * Never complete the hook: heartbeat while busy, stop when idle, and let the hook run out its
     * heartbeat timeout after the last heartbeat from <em>any</em> task on the instance (Auto Scaling
     * then applies the hook's default result — for a termination hook, CONTINUE and ABANDON both
     * terminate). Safe with several worker tasks per instance; the price is that the instance lives
     * up to one heartbeat timeout longer than needed.
     */
    EXPIRE_AFTER_LAST_HEARTBEAT
}
