package dev.holdline.lifecycle.planner;

import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@link DrainPlanner} recommends, and its printout ({@link #render()}).
 *
 * @param stopTimeout   the container stopTimeout and {@code HOLDLINE_STOP_TIMEOUT}, whole seconds
 * @param longestProfile the profile whose drain_timeout sets it
 */
public record DrainPlan(String source, long calls, double percentile, Duration headroom, List<Recommendation> profiles,
                        Duration safetyMargin, Duration stopTimeout, String longestProfile, DeployEstimate deploy,
                        List<String> notes) {

    /**
     * One profile's recommendation.
     *
     * @param calls      observed calls (0 for a profile kept from the file)
     * @param observedP  the percentile of its durations (an upper bound when {@code upperBound})
     * @param profile    the recommended settings
     * @param before     its drain_timeout in the profile file, if any
     * @param observed   false for a profile without data, kept as it was
     * @param cutShare   share of its calls in progress at a drain that would reach the deadline
     */
    public record Recommendation(String profileName, long calls, Duration observedP, boolean upperBound, CallProfile profile,
                                 Optional<Duration> before, boolean observed, double cutShare) {
        Recommendation withCutShare(double share) {
            return new Recommendation(profileName, calls, observedP, upperBound, profile, before, observed, share);
        }
    }

    /**
     * How long a rolling deploy takes with the plan (old tasks drain in parallel).
     *
     * @param drainMedian half the deploys' drains are over by then
     * @param drain95     95 % of them by then
     * @param drainMax    at most: the longest drain_timeout
     */
    public record DeployEstimate(Duration taskStartup, Duration watcherPoll, Duration drainMedian, Duration drain95,
                                 Duration drainMax, Duration exitAtMost, int callsInProgress) {
        public Duration typical() {
            return taskStartup.plus(watcherPoll).plus(drainMedian);
        }

        public Duration atMost() {
            return taskStartup.plus(watcherPoll).plus(drainMax).plus(exitAtMost);
        }
    }

    public String render() {
        List<String> out = new ArrayList<>();
        String p = "p" + DrainPlanner.percentileName(percentile);
        out.add("Drain plan from " + calls + " calls in " + source + ".");
        out.add("Rule: drain_timeout = " + p + " of call duration + " + human(headroom) + " headroom, rounded up to a whole minute;"
                + " stopTimeout = longest drain_timeout + safety margin.");
        out.add("");
        out.add(String.format(Locale.ROOT, "%-16s %8s %10s %15s %15s %15s %9s", "profile", "calls", p, "drain_timeout",
                "wrap_up_notice", "was", "cut"));
        for (Recommendation r : profiles) {
            out.add(String.format(Locale.ROOT, "%-16s %8s %10s %15s %15s %15s %9s", r.profileName(),
                    r.observed() ? Long.toString(r.calls()) : "-",
                    r.observed() ? (r.upperBound() ? "≤" : "") + human(r.observedP()) : "-",
                    Durations.format(r.profile().drainTimeout()), Durations.format(r.profile().wrapUpNotice()),
                    r.before().map(Durations::format).orElse("-"),
                    r.observed() ? String.format(Locale.ROOT, "%.2f%%", r.cutShare() * 100) : "-"));
        }
        out.add("(cut: share of the profile's calls in progress when a drain starts that would still run at its drain_timeout.)");
        out.add("");
        out.add("stopTimeout: " + Durations.format(stopTimeout) + " = profile '" + longestProfile + "' drain_timeout "
                + Durations.format(profiles.stream().filter(r -> r.profileName().equals(longestProfile)).findFirst().orElseThrow()
                        .profile().drainTimeout())
                + " + safety margin " + Durations.format(safetyMargin) + ". Set the container's StopTimeout to "
                + stopTimeout.toSeconds() + " and " + ProfileConfig.STOP_TIMEOUT_ENV + "=" + Durations.format(stopTimeout) + ".");
        if (stopTimeout.compareTo(Duration.ofSeconds(120)) > 0) {
            out.add("That is beyond Fargate's 120s cap: run on ECS with the EC2 launch type.");
        }
        if (stopTimeout.compareTo(Duration.ofSeconds(7200)) > 0) {
            out.add("That is beyond the 7200s often quoted as the EC2 limit (unverified); `infra synth` refuses it.");
        }
        out.add("");
        out.add("Profile file:");
        out.add("  safety_margin: " + Durations.format(safetyMargin));
        out.add("  profiles:");
        for (Recommendation r : profiles) {
            out.add("    " + r.profileName() + ": { drain_timeout: " + Durations.format(r.profile().drainTimeout())
                    + ", wrap_up_notice: " + Durations.format(r.profile().wrapUpNotice()) + " }");
        }
        out.add("  (keep each profile's match rules and default_profile as they are)");
        out.add("");
        out.add("A rolling deploy with this plan (old tasks drain in parallel):");
        out.add("  new tasks start        " + human(deploy.taskStartup()) + " (plus an instance launch when the cluster has no room)");
        out.add("  deployment watcher     up to " + human(deploy.watcherPoll()) + " until old tasks notice");
        out.add("  drain                  " + human(deploy.drainMedian()) + " typically, 95% within " + human(deploy.drain95())
                + ", at most " + human(deploy.drainMax()) + " (with " + deploy.callsInProgress() + " calls in progress)");
        out.add("  exit                   within " + human(deploy.exitAtMost()) + " of the last deadline (the safety margin)");
        out.add("  total                  about " + human(deploy.typical()) + ", at most " + human(deploy.atMost()));
        if (!notes.isEmpty()) {
            out.add("");
            out.add("Notes:");
            notes.forEach(n -> out.add("  - " + n));
        }
        return String.join("\n", out) + "\n";
    }

    /** {@code 15m}, {@code 9m10s}, {@code 45s}, {@code 1h2m}, {@code 0s}; below a second, milliseconds. */
    public static String human(Duration d) {
        if (d.compareTo(Duration.ofSeconds(1)) < 0 && !d.isZero()) {
            return d.toMillis() + "ms";
        }
        long s = (d.toMillis() + 999) / 1000;
        long h = s / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        StringBuilder b = new StringBuilder();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (sec > 0 || b.isEmpty()) {
            b.append(sec).append('s');
        }
        return b.toString();
    }
}
