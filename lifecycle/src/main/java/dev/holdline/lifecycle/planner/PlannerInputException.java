package dev.holdline.lifecycle.planner;

/** The durations cannot be read; the message names the source, the line and the problem. */
public final class PlannerInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PlannerInputException(String message) {
        super(message);
    }
}
