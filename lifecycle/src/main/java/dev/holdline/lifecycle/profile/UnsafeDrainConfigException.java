package dev.holdline.lifecycle.profile;

import java.util.List;

/**
 * The drain configuration would let ECS SIGKILL calls that are still draining, so the worker
 * refuses to start. The message is the {@link #problems()}, one per line, each a full sentence
 * with its fix (the formats are documented on {@link DrainConfigGuard}).
 */
public final class UnsafeDrainConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    UnsafeDrainConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem found, in the order of the message. */
    public List<String> problems() {
        return problems;
    }
}
