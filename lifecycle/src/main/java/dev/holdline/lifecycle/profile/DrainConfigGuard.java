package dev.holdline.lifecycle.profile;

import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Refuses to start a worker whose drain could outlast the container: ECS SIGKILLs it
 * {@code stopTimeout} after SIGTERM, and a call still draining then is cut mid-sentence. Checked
 * once at start-up, before the worker registers, so a bad deploy fails its health checks instead
 * of cutting calls at the next scale-in.
 *
 * <p>Two limits are checked, each on its own: the stop timeout the worker was told
 * ({@value ProfileConfig#STOP_TIMEOUT_ENV} or {@code stop_timeout}), and on Fargate the
 * {@link #FARGATE_STOP_TIMEOUT_CAP}. Against each, every profile must satisfy
 * {@code drain_timeout + safety margin <= limit} (equal is fine). Without a known stop timeout
 * and off Fargate (dev) there is nothing to check.
 *
 * <p>The exception's message has one line per problem, in profile order, stop-timeout problems
 * before Fargate ones. Durations are written in whole seconds ({@code 915s}). The lines are,
 * exactly ({@code <S>} is {@code HOLDLINE_STOP_TIMEOUT} when the variable set the stop timeout,
 * {@code stop_timeout} when the profile file did, {@code the configured stop timeout} when code did):
 * <pre>
 * Unsafe drain configuration: profile '&lt;p&gt;' drain_timeout &lt;d&gt; + safety margin &lt;m&gt; = &lt;d+m&gt; exceeds &lt;S&gt; &lt;t&gt;, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout and &lt;S&gt; to at least &lt;d+m&gt;, or lower '&lt;p&gt;' drain_timeout to at most &lt;t-m&gt;.
 * Unsafe drain configuration: safety margin &lt;m&gt; is not shorter than &lt;S&gt; &lt;t&gt;, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout and &lt;S&gt; to at least &lt;longest d+m&gt;, or lower the safety margin below &lt;t&gt;.
 * Unsafe drain configuration: profile '&lt;p&gt;' drain_timeout &lt;d&gt; + safety margin &lt;m&gt; = &lt;d+m&gt; exceeds Fargate's 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining. Fix: run on ECS with the EC2 launch type, or lower '&lt;p&gt;' drain_timeout to at most &lt;120s-m&gt;.
 * Unsafe drain configuration: safety margin &lt;m&gt; is not shorter than Fargate's 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining. Fix: run on ECS with the EC2 launch type, or lower the safety margin below 120s.
 * </pre>
 * When the lowered drain_timeout would no longer exceed the profile's wrap_up_notice, the
 * profile line's fix ends {@code to at most <x> and its wrap_up_notice (<w>) below that.} instead.
 * When the margin alone reaches a limit, that limit's margin line replaces its profile lines.
 */
public final class DrainConfigGuard {
    /**
     * Fargate's maximum container stopTimeout, 120 s (AWS API reference, ContainerDefinition.stopTimeout:
     * "For tasks that use the Fargate launch type, the max stop timeout value is 120 seconds"). A larger
     * Fargate task gets no more than that, whatever HOLDLINE_STOP_TIMEOUT says.
     */
    public static final Duration FARGATE_STOP_TIMEOUT_CAP = Duration.ofSeconds(120);

    private static final String PREFIX = "Unsafe drain configuration: ";
    private static final String CONSEQUENCE = ", so ECS would SIGKILL calls still draining. Fix: ";

    /**
     * A limit the drain must fit in.
     *
     * @param described as the message names it, e.g. {@code HOLDLINE_STOP_TIMEOUT 600s}
     * @param raise     the fix that lifts the limit, given the stop timeout that would be enough
     */
    private record Limit(Duration value, String described, Function<Duration, String> raise) {
    }

    private DrainConfigGuard() {
    }

    /**
     * Returns when every profile fits every known limit.
     *
     * @param ecs this task's metadata when running on ECS ({@link EcsTaskMetadata#fromEnvironment})
     * @throws UnsafeDrainConfigException listing every problem, in the formats above
     */
    public static void check(ProfileConfig config, Optional<EcsTaskMetadata> ecs) {
        List<String> problems = new ArrayList<>();
        config.stopTimeout().ifPresent(stop -> {
            String setting = config.stopTimeoutSource().setting;
            problems.addAll(problems(config, new Limit(stop, setting + " " + Durations.format(stop),
                    needed -> "set the container's stopTimeout and " + setting + " to at least " + Durations.format(needed))));
        });
        if (ecs.isPresent() && ecs.get().onFargate()) {
            problems.addAll(problems(config, new Limit(FARGATE_STOP_TIMEOUT_CAP,
                    "Fargate's " + Durations.format(FARGATE_STOP_TIMEOUT_CAP) + " stopTimeout cap (this task runs on FARGATE)",
                    needed -> "run on ECS with the EC2 launch type")));
        }
        if (!problems.isEmpty()) {
            throw new UnsafeDrainConfigException(problems);
        }
    }

    private static List<String> problems(ProfileConfig config, Limit limit) {
        Duration margin = config.safetyMargin();
        if (margin.compareTo(limit.value()) >= 0) {
            return List.of(PREFIX + "safety margin " + Durations.format(margin) + " is not shorter than " + limit.described()
                    + CONSEQUENCE + limit.raise().apply(config.minimumStopTimeout())
                    + ", or lower the safety margin below " + Durations.format(limit.value()) + ".");
        }
        Duration longestAllowed = limit.value().minus(margin);
        List<String> problems = new ArrayList<>();
        for (CallProfile p : config.profiles()) {
            Duration needed = p.drainTimeout().plus(margin);
            if (needed.compareTo(limit.value()) <= 0) {
                continue;
            }
            String wrapUp = p.wrapUpNotice().compareTo(longestAllowed) >= 0
                    ? " and its wrap_up_notice (" + Durations.format(p.wrapUpNotice()) + ") below that" : "";
            problems.add(PREFIX + "profile '" + p.name() + "' drain_timeout " + Durations.format(p.drainTimeout())
                    + " + safety margin " + Durations.format(margin) + " = " + Durations.format(needed)
                    + " exceeds " + limit.described() + CONSEQUENCE + limit.raise().apply(needed)
                    + ", or lower '" + p.name() + "' drain_timeout to at most " + Durations.format(longestAllowed) + wrapUp + ".");
        }
        return problems;
    }
}
