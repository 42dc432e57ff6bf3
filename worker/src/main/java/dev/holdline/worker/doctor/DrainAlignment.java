package dev.holdline.worker.doctor;

import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import dev.holdline.lifecycle.profile.DrainConfigGuard;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileConfigException;
import dev.holdline.lifecycle.profile.UnsafeDrainConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Drain and stop timeouts agree: the profiles load as the worker loads them, and the worker's own
 * start-up guard ({@link DrainConfigGuard}) accepts them — the same rule, not a copy.
 */
final class DrainAlignment {
    static final String CHECK = "drain-config";

    private DrainAlignment() {
    }

    /** The profiles as the worker would load them: {@code file}, else {@code HOLDLINE_PROFILES}, else built in; env overrides. */
    static ProfileConfig load(Optional<Path> file, Map<String, String> env) {
        Optional<Path> f = file.or(() -> Optional.ofNullable(env.get("HOLDLINE_PROFILES")).filter(s -> !s.isBlank()).map(Path::of));
        return f.isPresent() ? ProfileConfig.load(f.get(), env) : ProfileConfig.fromEnv(env);
    }

    static List<Finding> check(Optional<Path> file, Map<String, String> env, Optional<EcsTaskMetadata> task) {
        ProfileConfig config;
        try {
            config = load(file, env);
        } catch (ProfileConfigException | IllegalArgumentException e) {
            return List.of(Finding.fail(CHECK, "the call profiles do not load: " + e.getMessage()));
        }
        try {
            DrainConfigGuard.check(config, task);
        } catch (UnsafeDrainConfigException e) {
            return e.problems().stream().map(p -> Finding.fail(CHECK, p)).toList();
        }
        if (config.stopTimeout().isEmpty()) {
            return List.of(Finding.warn(CHECK, ProfileConfig.STOP_TIMEOUT_ENV + " is not set, so the worker cannot check that its"
                    + " drains fit the container's stopTimeout. Fix: set the container's stopTimeout and "
                    + ProfileConfig.STOP_TIMEOUT_ENV + " to at least " + Durations.format(config.minimumStopTimeout())
                    + " (longest drain_timeout + safety margin); outside ECS, ignore this."));
        }
        return List.of(Finding.pass(CHECK, "every profile drains within the stop timeout: " + config.describe() + "."));
    }
}
