package dev.holdline.lifecycle.planner;

import dev.holdline.lifecycle.aws.DeploymentWatcher;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.DrainConfigGuard;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Recommends drain settings from observed call durations.
 *
 * <p><b>The rule.</b> Per profile, {@code drain_timeout = p99 of call duration + headroom, rounded
 * up to a whole minute} (p99 by nearest rank, headroom 60 s by default). The stop timeout is the
 * worker's own rule ({@link ProfileConfig#minimumStopTimeout()}: longest drain_timeout + safety
 * margin), in whole seconds as ECS takes it, and the result is checked by the worker's start-up
 * guard ({@link DrainConfigGuard}).
 *
 * <p><b>What a deploy takes.</b> Old tasks drain in parallel, so a deploy waits for the slowest
 * call in progress anywhere when it starts, cut at its profile's deadline. A call in progress at a
 * random moment is a length-biased pick (a 14-minute call is in progress 14 times as long as a
 * 1-minute one), and its remaining time is uniform over its length. So with the observed calls
 * (duration d, weight w), the chance that one call in progress still runs {@code t} into the drain
 * is {@code S(t) = Σ[t < T(profile)] w·(d − t)⁺ / Σ w·d}, and with {@code N} calls in progress the
 * drain is over by {@code t} with probability {@code (1 − S(t))^N}. The same formula at
 * {@code t = drain_timeout}, per profile, is the share of calls in progress that a deploy would cut.
 */
public final class DrainPlanner {
    /** p99: the README's rule for drain_timeout. */
    public static final double DEFAULT_PERCENTILE = 0.99;
    /**
     * Added to p99 before rounding up, 60 s: calls in progress at a drain are the longer ones, so
     * somewhat more than 1 % of them outlast p99 itself (the plan shows how many would be cut).
     */
    public static final Duration DEFAULT_HEADROOM = Duration.ofSeconds(60);
    /** Drain timeouts are whole minutes: easier to read, and the rounding adds headroom too. */
    static final Duration ROUNDING = Duration.ofMinutes(1);
    /** wrap_up_notice for a profile the profile file does not have (the built-in profile's). */
    static final Duration DEFAULT_WRAP_UP = ProfileConfig.BUILT_IN_PROFILE.wrapUpNotice();
    /**
     * Calls in progress across the service when a deploy starts, 20 (one worker's default maximum):
     * only the deploy-time estimate uses it.
     */
    public static final int DEFAULT_CALLS_IN_PROGRESS = 20;
    /** New tasks' start (placement, image pull, JVM, registration), 60 s; an instance launch comes on top. */
    public static final Duration DEFAULT_TASK_STARTUP = Duration.ofSeconds(60);
    /** With fewer calls than this, p99 is little more than the longest call seen. */
    static final long FEW_CALLS = 100;

    /**
     * How to plan.
     *
     * @param percentile    which quantile drain_timeout covers
     * @param headroom      added before rounding up
     * @param current       the profile file in use, if any: its safety margin, wrap-up notices, and the
     *                      profiles without data keep their drain_timeout
     * @param safetyMargin  overrides the file's (or the default) when present
     * @param callsInProgress for the deploy estimate
     * @param taskStartup   for the deploy estimate
     */
    public record Settings(double percentile, Duration headroom, Optional<ProfileConfig> current,
                           Optional<Duration> safetyMargin, int callsInProgress, Duration taskStartup) {
        public Settings {
            if (!(percentile > 0 && percentile < 1)) {
                throw new IllegalArgumentException("percentile must be between 0 and 1 (e.g. 0.99), was " + percentile);
            }
            if (headroom.isNegative()) {
                throw new IllegalArgumentException("headroom must be zero or positive, was " + headroom);
            }
            if (callsInProgress < 1) {
                throw new IllegalArgumentException("calls in progress must be at least 1, was " + callsInProgress);
            }
            Objects.requireNonNull(current, "current");
            Objects.requireNonNull(safetyMargin, "safetyMargin");
            Objects.requireNonNull(taskStartup, "taskStartup");
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_PERCENTILE, DEFAULT_HEADROOM, Optional.empty(), Optional.empty(),
                    DEFAULT_CALLS_IN_PROGRESS, DEFAULT_TASK_STARTUP);
        }
    }

    private DrainPlanner() {
    }

    /**
     * @throws PlannerInputException when a profile's percentile falls beyond a histogram's largest bucket
     */
    public static DrainPlan plan(CallDurations observed, Settings settings) {
        List<String> notes = new ArrayList<>();
        Map<String, DrainPlan.Recommendation> recommended = new LinkedHashMap<>();
        for (ProfileDurations d : observed.profiles().values()) {
            if (d.quantileBeyondBuckets(settings.percentile())) {
                throw new PlannerInputException("profile '" + d.profile() + "': more than " + percent(1 - settings.percentile())
                        + " of its calls are beyond the histogram's largest bucket (" + DrainPlan.human(d.longest())
                        + "), so its p" + percentileName(settings.percentile()) + " is unknown");
            }
            Duration p = d.quantile(settings.percentile());
            Duration drain = roundUp(p.plus(settings.headroom()), ROUNDING);
            Duration wrapUp = settings.current().flatMap(c -> c.profile(d.profile())).map(CallProfile::wrapUpNotice)
                    .filter(w -> w.compareTo(drain) < 0).orElse(DEFAULT_WRAP_UP);
            Optional<Duration> before = settings.current().flatMap(c -> c.profile(d.profile())).map(CallProfile::drainTimeout);
            recommended.put(d.profile(), new DrainPlan.Recommendation(d.profile(), d.calls(), p, d.upperBounds(),
                    new CallProfile(d.profile(), drain, wrapUp), before, true, 0));
            if (d.calls() < FEW_CALLS) {
                notes.add("profile '" + d.profile() + "': only " + d.calls() + " calls, so its p" + percentileName(settings.percentile())
                        + " is close to the longest call seen; collect a week or more of traffic.");
            }
            if (d.beyondLargestBucket() > 0) {
                notes.add("profile '" + d.profile() + "': " + d.beyondLargestBucket() + " call(s) lasted longer than the histogram's"
                        + " largest bucket; they count as " + DrainPlan.human(d.longest()) + " in the deploy estimate.");
            }
            if (settings.current().isPresent() && settings.current().get().profile(d.profile()).isEmpty()) {
                notes.add("profile '" + d.profile() + "' is not in the profile file: add it (with a match rule), or its calls"
                        + " drain with the default profile.");
            }
        }
        settings.current().ifPresent(c -> c.profiles().stream().filter(p -> !recommended.containsKey(p.name())).forEach(p -> {
            recommended.put(p.name(), new DrainPlan.Recommendation(p.name(), 0, Duration.ZERO, false, p, Optional.of(p.drainTimeout()),
                    false, 0));
            notes.add("profile '" + p.name() + "': no calls observed; its drain_timeout stays " + DrainPlan.human(p.drainTimeout()) + ".");
        }));

        Duration margin = settings.safetyMargin().or(() -> settings.current().map(ProfileConfig::safetyMargin))
                .orElse(ProfileConfig.DEFAULT_SAFETY_MARGIN);
        ProfileConfig.Builder builder = ProfileConfig.builder().safetyMargin(margin);
        recommended.values().forEach(r -> builder.profile(r.profile()));
        String defaultName = settings.current().map(ProfileConfig::defaultProfileName)
                .filter(recommended::containsKey).orElse(recommended.keySet().iterator().next());
        ProfileConfig planned = builder.defaultProfile(defaultName).build();
        Duration stop = roundUp(planned.minimumStopTimeout(), Duration.ofSeconds(1));
        // The worker's own start-up check, on exactly what is recommended.
        DrainConfigGuard.check(withAll(planned, margin, stop), Optional.empty());

        List<DrainPlan.Recommendation> withCuts = new ArrayList<>();
        Residuals residuals = new Residuals(observed, recommended);
        for (DrainPlan.Recommendation r : recommended.values()) {
            withCuts.add(r.observed() ? r.withCutShare(residuals.cutShare(r.profileName(), r.profile().drainTimeout())) : r);
        }
        Duration longest = planned.longestDrainTimeout();
        DrainPlan.DeployEstimate deploy = new DrainPlan.DeployEstimate(settings.taskStartup(),
                DeploymentWatcher.DEFAULT_POLL_INTERVAL, residuals.drainQuantile(0.5, settings.callsInProgress(), longest),
                residuals.drainQuantile(0.95, settings.callsInProgress(), longest), longest, margin, settings.callsInProgress());
        return new DrainPlan(observed.source(), observed.calls(), settings.percentile(), settings.headroom(), withCuts, margin, stop,
                planned.profiles().stream().filter(p -> p.drainTimeout().equals(longest)).findFirst().orElseThrow().name(),
                deploy, notes);
    }

    private static ProfileConfig withAll(ProfileConfig planned, Duration margin, Duration stop) {
        ProfileConfig.Builder b = ProfileConfig.builder().safetyMargin(margin).stopTimeout(stop)
                .defaultProfile(planned.defaultProfileName());
        planned.profiles().forEach(b::profile);
        return b.build();
    }

    static Duration roundUp(Duration d, Duration unit) {
        long units = (d.toNanos() + unit.toNanos() - 1) / unit.toNanos();
        return unit.multipliedBy(Math.max(units, 1));
    }

    static String percentileName(double q) {
        String s = new java.math.BigDecimal(Double.toString(q * 100)).stripTrailingZeros().toPlainString();
        return s;
    }

    private static String percent(double share) {
        return new java.math.BigDecimal(Double.toString(share * 100)).stripTrailingZeros().toPlainString() + " %";
    }

    /** S(t) of the class comment, over the observed calls, each cut at its profile's drain_timeout. */
    private static final class Residuals {
        private final List<double[]> calls = new ArrayList<>(); // {seconds, weight, profile's drain timeout in seconds}
        private final Map<String, List<double[]>> byProfile = new LinkedHashMap<>();
        private final double totalWeightedLength;

        Residuals(CallDurations observed, Map<String, DrainPlan.Recommendation> plan) {
            double total = 0;
            for (ProfileDurations d : observed.profiles().values()) {
                double limit = seconds(plan.get(d.profile()).profile().drainTimeout());
                for (Sample s : d.samples()) {
                    double[] c = {seconds(s.duration()), s.count(), limit};
                    calls.add(c);
                    byProfile.computeIfAbsent(d.profile(), p -> new ArrayList<>()).add(c);
                    total += c[0] * c[1];
                }
            }
            this.totalWeightedLength = total;
        }

        /** Share of one profile's calls in progress that are still running {@code limit} into a drain. */
        double cutShare(String profile, Duration limit) {
            double t = seconds(limit);
            double over = 0;
            double all = 0;
            for (double[] c : byProfile.getOrDefault(profile, List.of())) {
                over += Math.max(0, c[0] - t) * c[1];
                all += c[0] * c[1];
            }
            return all == 0 ? 0 : over / all;
        }

        /** P(a call in progress at drain start still runs at t, drain deadlines applied). */
        double survival(double t) {
            if (totalWeightedLength == 0) {
                return 0;
            }
            double s = 0;
            for (double[] c : calls) {
                if (t < c[2]) {
                    s += Math.max(0, c[0] - t) * c[1];
                }
            }
            return s / totalWeightedLength;
        }

        /** The q quantile of the drain's length with {@code n} calls in progress, to the second. */
        Duration drainQuantile(double q, int n, Duration longest) {
            double threshold = 1 - Math.pow(q, 1.0 / n);
            long lo = 0;
            long hi = longest.toSeconds();
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                if (survival(mid) <= threshold) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return Duration.ofSeconds(lo);
        }

        private static double seconds(Duration d) {
            return d.toNanos() / 1e9;
        }
    }
}
