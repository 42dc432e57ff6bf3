package dev.holdline.lifecycle;

import java.time.Duration;

/**
 * How a drain went.
 *
 * @param sessionsAtStart  sessions running (or starting) when the drain began, plus any that started during it
 * @param finished         sessions that ended on their own before their deadline
 * @param endedAtDeadline  sessions ended by the worker at their drain deadline
 * @param duration         from the drain's start to its last session's end (so far, while still draining)
 */
public record DrainReport(int sessionsAtStart, int finished, int endedAtDeadline, Duration duration) {

    /** The one summary line a drain logs. */
    public String summary() {
        return String.format("Drain complete in %.1f s: %d session(s) finished on their own, %d ended at their deadline",
                duration.toMillis() / 1000.0, finished, endedAtDeadline);
    }
}
