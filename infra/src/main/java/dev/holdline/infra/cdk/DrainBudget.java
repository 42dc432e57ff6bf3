package dev.holdline.infra.cdk;

import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.DrainConfigGuard;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileConfigException;
import dev.holdline.lifecycle.profile.UnsafeDrainConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The container {@code stopTimeout} a call-profile file needs, computed from that file alone —
 * the one source of truth the worker reads too. Nobody types the number twice: the stack puts it
 * into the container's {@code stopTimeout} and into {@value ProfileConfig#STOP_TIMEOUT_ENV} (as
 * {@code <n>s}, which {@link Durations#parse} reads back), and bakes the same file into the image.
 *
 * <p>The value is {@code longest drain_timeout + safety margin}, rounded up to whole seconds (ECS
 * takes seconds), or the file's own {@code stop_timeout} when it sets one (an operator asking for
 * headroom), provided that covers every profile. The file is loaded with an <em>empty</em>
 * environment: the {@code HOLDLINE_*} variables of the shell that runs the synth are not in the
 * container, so they must not change what the container is given.
 *
 * <p>Before anything is synthesized the result is checked the way the worker will check it at
 * start-up ({@link DrainConfigGuard} with {@value ProfileConfig#STOP_TIMEOUT_ENV} set), so a
 * template this class accepts never produces a task that refuses to start over its drain config.
 *
 * <p><b>The EC2 cap.</b> ECS documents a maximum {@code stopTimeout} only for Fargate (120 s);
 * for the EC2 launch type the value is handed to Docker and no maximum is documented. The figure
 * quoted widely for EC2 is {@value #EC2_STOP_TIMEOUT_CAP_SECONDS} s, unverified (DESIGN.md §5).
 * This stack refuses anything longer: it is the largest value anyone reports using, it equals the
 * largest {@code HeartbeatTimeout} an Auto Scaling lifecycle hook accepts, and a drain of more than
 * two hours stalls every deploy and scale-in for that long. Fargate is never synthesized.
 *
 * @param profilesFile    the file the numbers come from
 * @param profiles        that file, loaded with an empty environment
 * @param longest         the profile with the longest drain_timeout (the first such, in file order)
 * @param stopTimeout     the container stopTimeout, whole seconds
 * @param fromFile        true when the file's {@code stop_timeout} set it, false when computed
 */
public record DrainBudget(Path profilesFile, ProfileConfig profiles, CallProfile longest, Duration stopTimeout,
                          boolean fromFile) {
    /**
     * The longest container stopTimeout this stack synthesizes, in seconds: {@value}. See the
     * class comment for why this number.
     */
    public static final int EC2_STOP_TIMEOUT_CAP_SECONDS = 7200;

    /** {@link #EC2_STOP_TIMEOUT_CAP_SECONDS} as a duration. */
    public static final Duration EC2_STOP_TIMEOUT_CAP = Duration.ofSeconds(EC2_STOP_TIMEOUT_CAP_SECONDS);

    public DrainBudget {
        Objects.requireNonNull(profilesFile, "profilesFile");
        Objects.requireNonNull(profiles, "profiles");
        Objects.requireNonNull(longest, "longest");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
    }

    /**
     * Reads {@code profilesFile} and computes the stop timeout.
     *
     * @throws SynthRefusedException when the file cannot be loaded (the loader's message: file,
     *         line, setting, fix), when its {@code stop_timeout} does not cover a profile, or when
     *         the result exceeds {@link #EC2_STOP_TIMEOUT_CAP}
     */
    public static DrainBudget of(Path profilesFile) {
        ProfileConfig config = load(profilesFile, Map.of());
        Duration margin = config.safetyMargin();
        CallProfile longest = config.profiles().stream()
                .filter(p -> p.drainTimeout().equals(config.longestDrainTimeout()))
                .findFirst().orElseThrow();
        Duration needed = wholeSecondsUp(longest.drainTimeout().plus(margin));

        Optional<Duration> fileStop = config.stopTimeout();
        if (fileStop.isPresent()) {
            try {
                DrainConfigGuard.check(config, Optional.empty());
            } catch (UnsafeDrainConfigException e) {
                throw new SynthRefusedException(e.problems().stream().map(p -> p + " (in " + profilesFile + ")").toList());
            }
            Duration stop = wholeSecondsUp(fileStop.get());
            if (stop.compareTo(EC2_STOP_TIMEOUT_CAP) > 0) {
                throw new SynthRefusedException("stop_timeout " + Durations.format(stop) + " in " + profilesFile
                        + " exceeds the " + Durations.format(EC2_STOP_TIMEOUT_CAP) + " container stopTimeout this stack allows on EC2"
                        + " (ECS documents no maximum for the EC2 launch type; " + EC2_STOP_TIMEOUT_CAP_SECONDS
                        + " s is the widely quoted one). Fix: set stop_timeout to at most " + Durations.format(EC2_STOP_TIMEOUT_CAP)
                        + " (it must stay at least " + Durations.format(needed) + "), or remove it so that synth uses the longest"
                        + " drain_timeout + safety margin (" + Durations.format(needed) + ").");
            }
            return verified(profilesFile, config, longest, stop, true);
        }

        if (needed.compareTo(EC2_STOP_TIMEOUT_CAP) > 0) {
            throw new SynthRefusedException(capProblems(profilesFile, config));
        }
        return verified(profilesFile, config, longest, needed, false);
    }

    /** The stop timeout in whole seconds, as the task definition's {@code stopTimeout} takes it. */
    public int stopTimeoutSeconds() {
        return Math.toIntExact(stopTimeout.getSeconds());
    }

    /** The value of {@value ProfileConfig#STOP_TIMEOUT_ENV}: {@code <n>s}, e.g. {@code 915s}. */
    public String stopTimeoutEnvValue() {
        return Durations.format(stopTimeout);
    }

    public Duration safetyMargin() {
        return profiles.safetyMargin();
    }

    /** One line for logs and the synth's summary, e.g. {@code stopTimeout 915s = profile 'support' drain_timeout 900s + safety margin 15s}. */
    public String describe() {
        String source = fromFile
                ? "stop_timeout in " + profilesFile.getFileName() + " (covers profile '" + longest.name() + "' drain_timeout "
                        + Durations.format(longest.drainTimeout()) + " + safety margin " + Durations.format(safetyMargin()) + ")"
                : "profile '" + longest.name() + "' drain_timeout " + Durations.format(longest.drainTimeout())
                        + " + safety margin " + Durations.format(safetyMargin());
        return "stopTimeout " + stopTimeoutEnvValue() + " = " + source;
    }

    /** One line per profile whose drain does not fit under the cap (or one for the margin alone). */
    private static List<String> capProblems(Path file, ProfileConfig config) {
        Duration margin = config.safetyMargin();
        String cap = Durations.format(EC2_STOP_TIMEOUT_CAP);
        String why = " container stopTimeout this stack allows on EC2 (ECS documents no maximum for the EC2 launch type; "
                + EC2_STOP_TIMEOUT_CAP_SECONDS + " s is the widely quoted one), so the stack cannot give it the time to drain.";
        if (margin.compareTo(EC2_STOP_TIMEOUT_CAP) >= 0) {
            return List.of("safety_margin " + Durations.format(margin) + " in " + file + " is not shorter than the " + cap + why
                    + " Fix: lower safety_margin (e.g. to 15s).");
        }
        Duration longestAllowed = EC2_STOP_TIMEOUT_CAP.minus(margin);
        List<String> problems = new ArrayList<>();
        for (CallProfile p : config.profiles()) {
            Duration needed = wholeSecondsUp(p.drainTimeout().plus(margin));
            if (needed.compareTo(EC2_STOP_TIMEOUT_CAP) <= 0) {
                continue;
            }
            problems.add("profile '" + p.name() + "' drain_timeout " + Durations.format(p.drainTimeout()) + " + safety margin "
                    + Durations.format(margin) + " = " + Durations.format(needed) + " in " + file + " exceeds the " + cap + why
                    + " Fix: lower '" + p.name() + "' drain_timeout to at most " + Durations.format(longestAllowed)
                    + " in that file.");
        }
        return problems;
    }

    /**
     * Checks the result exactly as the worker will at start-up: the same file with
     * {@value ProfileConfig#STOP_TIMEOUT_ENV} set to the value the task definition gives it.
     */
    private static DrainBudget verified(Path file, ProfileConfig config, CallProfile longest, Duration stop, boolean fromFile) {
        ProfileConfig asWorker = load(file, Map.of(ProfileConfig.STOP_TIMEOUT_ENV, Durations.format(stop)));
        try {
            DrainConfigGuard.check(asWorker, Optional.empty());
        } catch (UnsafeDrainConfigException e) {
            // Not reachable with the arithmetic above; kept so that a change in the worker's rules
            // fails the synth instead of shipping a task definition the worker refuses.
            throw new SynthRefusedException(e.problems().stream().map(p -> p + " (in " + file + ")").toList());
        }
        return new DrainBudget(file, config, longest, stop, fromFile);
    }

    private static ProfileConfig load(Path file, Map<String, String> env) {
        try {
            return ProfileConfig.load(file, env);
        } catch (ProfileConfigException e) {
            throw new SynthRefusedException("--profiles " + file + ": " + e.getMessage(), e);
        }
    }

    private static Duration wholeSecondsUp(Duration d) {
        return d.getNano() == 0 ? d : Duration.ofSeconds(d.getSeconds() + 1);
    }
}
