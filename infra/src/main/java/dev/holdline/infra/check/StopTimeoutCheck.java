package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Check 1: each worker container's {@code StopTimeout} covers the longest drain_timeout plus the
 * safety margin, and {@code HOLDLINE_STOP_TIMEOUT} tells the worker that same value (ECS gives a
 * task no way to read its own stopTimeout, so without the variable the worker cannot refuse an
 * unsafe configuration).
 */
final class StopTimeoutCheck implements Check {
    /** What ECS uses when a container sets no StopTimeout (and the EC2 agent sets no ECS_CONTAINER_STOP_TIMEOUT). */
    static final Duration ECS_DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    private static final String VARIABLE = ProfileConfig.STOP_TIMEOUT_ENV;
    private static final String SIGKILL = "so ECS would SIGKILL calls still draining";

    @Override
    public List<Finding> check(Workload workload) {
        List<Finding> out = new ArrayList<>();
        for (Workload.TaskDefinition td : workload.taskDefinitions()) {
            for (WorkerContainer c : td.workers()) {
                Optional<Duration> stop = stopTimeout(c, out);
                stopTimeoutVariable(c, stop, workload.profiles, out);
            }
        }
        return out;
    }

    /** Checks StopTimeout; returns the value ECS will use when it is known (the default when unset). */
    private static Optional<Duration> stopTimeout(WorkerContainer c, List<Finding> out) {
        DrainNeed drain = c.drain();
        Duration needed = drain.needed();
        JsonNode value = c.definition().get("StopTimeout");
        if (Template.absent(value)) {
            out.add(Finding.fail(c.taskDefinition(), c.label() + " sets no StopTimeout, so ECS stops it "
                            + Durations.format(ECS_DEFAULT_STOP_TIMEOUT) + " after SIGTERM (the ECS default; on EC2 the agent's"
                            + " ECS_CONTAINER_STOP_TIMEOUT if set), but " + drain.described() + ", " + SIGKILL,
                    "set StopTimeout: " + needed.getSeconds() + " on " + c.label() + " and " + VARIABLE + " to \"" + needed.getSeconds()
                            + "\", or " + drain.lowerDrainsFix(ECS_DEFAULT_STOP_TIMEOUT)));
            return Optional.of(ECS_DEFAULT_STOP_TIMEOUT);
        }
        Optional<Long> seconds = Template.integer(value);
        if (seconds.isEmpty()) {
            out.add(Finding.warn(c.taskDefinition(), "cannot verify " + c.label() + " StopTimeout " + Template.show(value)
                            + ": it must be at least " + Durations.format(needed) + " (" + drain.described() + ")",
                    "make sure it resolves to at least " + needed.getSeconds() + ", with " + VARIABLE + " equal to it"));
            return Optional.empty();
        }
        Duration stop = Duration.ofSeconds(seconds.get());
        if (stop.compareTo(needed) < 0) {
            out.add(Finding.fail(c.taskDefinition(), c.label() + " StopTimeout " + Durations.format(stop) + " is below "
                            + drain.described() + ", " + SIGKILL,
                    "set StopTimeout to at least " + needed.getSeconds() + " and " + VARIABLE + " to the same value, or "
                            + drain.lowerDrainsFix(stop)));
        } else {
            out.add(Finding.ok(c.taskDefinition(), c.label() + " StopTimeout " + Durations.format(stop) + " covers " + drain.described()));
        }
        return Optional.of(stop);
    }

    /**
     * What HOLDLINE_STOP_TIMEOUT (and StopTimeout) should be: the StopTimeout when it is set and
     * long enough, else the needed value.
     */
    private record Target(long seconds, boolean stopTimeoutIsRight) {
        String set() {
            return "set " + VARIABLE + " to \"" + seconds + "\"" + tail(true);
        }

        String add() {
            return "add " + VARIABLE + " \"" + seconds + "\" to Environment" + tail(false);
        }

        private String tail(boolean set) {
            return stopTimeoutIsRight ? ", the container's StopTimeout" : (set ? " and StopTimeout to " : ", and set StopTimeout to ") + seconds;
        }
    }

    /** Checks HOLDLINE_STOP_TIMEOUT against the StopTimeout ECS will use ({@code stop}, empty when unknown). */
    private static void stopTimeoutVariable(WorkerContainer c, Optional<Duration> stop, ProfileConfig profiles, List<Finding> out) {
        boolean stopSet = !Template.absent(c.definition().get("StopTimeout"));
        Duration needed = c.drain().needed();
        boolean right = stopSet && stop.isPresent() && stop.get().compareTo(needed) >= 0;
        Target target = new Target(right ? stop.get().getSeconds() : needed.getSeconds(), right);
        JsonNode value = c.environment().get(VARIABLE);
        if (value == null) {
            missing(c, stop, profiles, target, out);
            return;
        }
        Optional<String> text = Template.text(value);
        if (text.isEmpty()) {
            out.add(Finding.warn(c.taskDefinition(), "cannot verify " + c.label() + " " + VARIABLE + " " + Template.show(value)
                    + ": it must equal StopTimeout", "make sure it resolves to \"" + target.seconds() + "\""));
            return;
        }
        Duration told;
        try {
            told = Durations.parse(text.get(), VARIABLE);
        } catch (IllegalArgumentException e) {
            out.add(Finding.fail(c.taskDefinition(), c.label() + " " + e.getMessage() + ", so the worker refuses to start", target.set()));
            return;
        }
        if (stop.isEmpty()) {
            out.add(Finding.warn(c.taskDefinition(), "cannot verify that " + c.label() + " " + VARIABLE + " " + Durations.format(told)
                    + " equals its StopTimeout, which is not a literal", "make sure StopTimeout resolves to " + told.getSeconds()));
        } else if (!told.equals(stop.get())) {
            String ecs = stopSet ? "its StopTimeout " + Durations.format(stop.get())
                    : "the " + Durations.format(stop.get()) + " ECS uses without a StopTimeout";
            String why = told.compareTo(stop.get()) > 0
                    ? ": the worker would plan drains that ECS cuts short with SIGKILL, and would not refuse a drain_timeout that does not fit"
                    : ": the worker would end calls at an earlier deadline than needed, or refuse a configuration that fits";
            out.add(Finding.fail(c.taskDefinition(), c.label() + " " + VARIABLE + " " + Durations.format(told) + " differs from " + ecs + why,
                    target.set()));
        } else {
            out.add(Finding.ok(c.taskDefinition(), c.label() + " " + VARIABLE + " " + Durations.format(told) + " matches StopTimeout"));
        }
    }

    private static void missing(WorkerContainer c, Optional<Duration> stop, ProfileConfig profiles, Target target, List<Finding> out) {
        if (c.secretNames().contains(VARIABLE) || c.hasEnvironmentFiles()) {
            String from = c.secretNames().contains(VARIABLE) ? "comes from Secrets" : "is not in Environment and may come from EnvironmentFiles";
            out.add(Finding.warn(c.taskDefinition(), "cannot verify " + c.label() + " " + VARIABLE + ": it " + from
                    + ", which the template does not show", target.add() + ", where it can be checked"));
            return;
        }
        Optional<Duration> fromFile = profiles.stopTimeout();
        if (fromFile.isPresent() && stop.isPresent() && fromFile.get().equals(stop.get())) {
            out.add(Finding.warn(c.taskDefinition(), c.label() + " has no " + VARIABLE + "; the worker learns its stop timeout only from"
                    + " the profile file's stop_timeout " + Durations.format(fromFile.get()) + ", which matches StopTimeout today but can drift",
                    target.add()));
            return;
        }
        String file = fromFile.map(f -> "; the profile file's stop_timeout " + Durations.format(f) + " is not what ECS uses").orElse("");
        out.add(Finding.fail(c.taskDefinition(), c.label() + " has no " + VARIABLE + ", so the worker cannot know its stop timeout"
                        + " (ECS does not tell a task) and would not refuse a drain_timeout that outlasts it" + file,
                target.add()));
    }
}
