package dev.holdline.infra.cdk;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The synth will not produce a stack from these settings. The message is for the operator: one
 * line per problem, each starting {@value #PREFIX} and naming the setting, its value and the fix.
 * Thrown before any CDK construct is built, so a refusal is quick and writes nothing.
 */
public final class SynthRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What every line of a refusal starts with. */
    public static final String PREFIX = "Cannot synthesize: ";

    private final List<String> problems;

    /** One problem; {@link #PREFIX} is added. */
    public SynthRefusedException(String problem) {
        this(List.of(problem), null);
    }

    /** One problem found by {@code cause} (e.g. the profile loader); {@link #PREFIX} is added. */
    public SynthRefusedException(String problem, Throwable cause) {
        this(List.of(problem), cause);
    }

    /** Several problems, one line each; {@link #PREFIX} is added to each. */
    public SynthRefusedException(List<String> problems) {
        this(problems, null);
    }

    private SynthRefusedException(List<String> problems, Throwable cause) {
        super(problems.stream().map(p -> PREFIX + p).collect(Collectors.joining("\n")), cause);
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a refusal needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** The problems, without {@link #PREFIX}. */
    public List<String> problems() {
        return problems;
    }
}
