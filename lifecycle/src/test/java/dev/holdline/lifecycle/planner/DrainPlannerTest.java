package dev.holdline.lifecycle.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.profile.ProfileConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner's printed recommendation against the same numbers computed here, independently. */
class DrainPlannerTest {
    @TempDir
    Path dir;

    /** Calls per profile, as seconds with a millisecond part, from a fixed seed. */
    private static Map<String, double[]> calls() {
        Random random = new Random(42);
        Map<String, double[]> calls = new LinkedHashMap<>();
        // support: mostly 3-12 min, a tail to ~20 min.
        calls.put("support", random.doubles(400, 0, 1).map(u -> 180 + 540 * u + (u > 0.97 ? 600 * (u - 0.97) / 0.03 : 0))
                .map(s -> Math.round(s * 1000) / 1000.0).toArray());
        // scheduling: 30 s to 4 min.
        calls.put("scheduling", random.doubles(250, 30, 240).map(s -> Math.round(s * 1000) / 1000.0).toArray());
        return calls;
    }

    private Path csv(Map<String, double[]> calls) throws Exception {
        List<String> lines = new ArrayList<>(List.of("profile,duration_seconds", "# exported from the call records", ""));
        calls.forEach((p, ds) -> Arrays.stream(ds).forEach(d -> lines.add(p + "," + d)));
        Path file = dir.resolve("durations.csv");
        Files.write(file, lines);
        return file;
    }

    /** p99 by nearest rank, then + 60 s, rounded up to the minute: the README's rule, in seconds. */
    private static long expectedDrainSeconds(double[] durations) {
        double[] sorted = durations.clone();
        Arrays.sort(sorted);
        double p99 = sorted[(int) Math.ceil(0.99 * sorted.length) - 1];
        return (long) Math.ceil((p99 + 60) / 60.0) * 60;
    }

    /** Σ(d − T)⁺ / Σ d: the share of calls in progress still running T into a drain. */
    private static double expectedCutShare(double[] durations, long t) {
        return Arrays.stream(durations).map(d -> Math.max(0, d - t)).sum() / Arrays.stream(durations).sum();
    }

    @Test
    void aCsvOfDurationsGivesTheRecommendationComputedIndependently() throws Exception {
        Map<String, double[]> calls = calls();
        DrainPlan plan = DrainPlanner.plan(CallDurations.fromCsv(csv(calls)), DrainPlanner.Settings.defaults());
        String text = plan.render();

        long support = expectedDrainSeconds(calls.get("support"));
        long scheduling = expectedDrainSeconds(calls.get("scheduling"));
        long longest = Math.max(support, scheduling);
        long stop = longest + 10; // the default safety margin
        assertTrue(text.contains("Drain plan from 650 calls in " + dir.resolve("durations.csv") + "."), text);
        assertTrue(text.contains("    support: { drain_timeout: " + support + "s, wrap_up_notice: 30s }"), text);
        assertTrue(text.contains("    scheduling: { drain_timeout: " + scheduling + "s, wrap_up_notice: 30s }"), text);
        assertTrue(text.contains("stopTimeout: " + stop + "s = profile '" + (support >= scheduling ? "support" : "scheduling")
                + "' drain_timeout " + longest + "s + safety margin 10s. Set the container's StopTimeout to " + stop
                + " and HOLDLINE_STOP_TIMEOUT=" + stop + "s."), text);
        String supportRow = text.lines().filter(l -> l.startsWith("support ")).findFirst().orElseThrow();
        assertTrue(supportRow.contains(String.format(Locale.ROOT, "%.2f%%", 100 * expectedCutShare(calls.get("support"), support))),
                supportRow);
        assertTrue(supportRow.contains(" 400 "), supportRow);
        assertTrue(text.contains("at most " + DrainPlan.human(Duration.ofSeconds(60 + 30 + longest + 10))), text);
        assertEquals(Duration.ofSeconds(stop), plan.stopTimeout());
    }

    @Test
    void theProfileFileGivesTheMarginAndWrapUpAndKeepsProfilesWithoutCalls() throws Exception {
        Path profiles = dir.resolve("profiles.yaml");
        Files.writeString(profiles, """
                safety_margin: 15s
                default_profile: default
                profiles:
                  support: { drain_timeout: 600s, wrap_up_notice: 60s }
                  default: { drain_timeout: 120s, wrap_up_notice: 20s }
                """);
        Map<String, double[]> calls = new LinkedHashMap<>();
        calls.put("support", calls().get("support"));
        DrainPlan plan = DrainPlanner.plan(CallDurations.fromCsv(csv(calls)), new DrainPlanner.Settings(0.99,
                Duration.ofSeconds(60), Optional.of(ProfileConfig.load(profiles, Map.of())), Optional.empty(), 20,
                Duration.ofSeconds(60)));
        String text = plan.render();
        long support = expectedDrainSeconds(calls.get("support"));
        assertTrue(text.contains("  safety_margin: 15s"), text);
        assertTrue(text.contains("    support: { drain_timeout: " + support + "s, wrap_up_notice: 60s }"), text);
        assertTrue(text.contains("    default: { drain_timeout: 120s, wrap_up_notice: 20s }"), text);
        assertTrue(text.contains("profile 'default': no calls observed; its drain_timeout stays 2m."), text);
        assertEquals(Duration.ofSeconds(support + 15), plan.stopTimeout());
        assertTrue(text.lines().anyMatch(l -> l.startsWith("support ") && l.contains("600s")), "shows what it was: " + text);
    }

    @Test
    void aWorkersHistogramGivesBucketBoundsAsThePercentile() {
        String metrics = """
                # HELP holdline_call_duration_seconds Session durations, start to end
                # TYPE holdline_call_duration_seconds histogram
                holdline_call_duration_seconds_bucket{profile="support",le="60.0"} 10
                holdline_call_duration_seconds_bucket{profile="support",le="300.0"} 80
                holdline_call_duration_seconds_bucket{profile="support",le="600.0"} 99
                holdline_call_duration_seconds_bucket{profile="support",le="900.0"} 100
                holdline_call_duration_seconds_bucket{profile="support",le="+Inf"} 100
                holdline_call_duration_seconds_count{profile="support"} 100
                holdline_call_duration_seconds_bucket{instance="b",profile="support",le="60.0"} 0
                holdline_call_duration_seconds_bucket{instance="b",profile="support",le="300.0"} 0
                holdline_call_duration_seconds_bucket{instance="b",profile="support",le="600.0"} 0
                holdline_call_duration_seconds_bucket{instance="b",profile="support",le="900.0"} 100
                holdline_call_duration_seconds_bucket{instance="b",profile="support",le="+Inf"} 100
                """;
        CallDurations d = CallDurations.fromPrometheus("metrics.txt", metrics);
        assertEquals(200, d.calls(), "series of two workers add up");
        // 200 calls, rank ceil(0.99 × 200) = 198 falls in the 900 s bucket (cumulative 99 at 600 s).
        DrainPlan plan = DrainPlanner.plan(d, DrainPlanner.Settings.defaults());
        assertEquals(Duration.ofSeconds(900), plan.profiles().getFirst().observedP());
        assertEquals(Duration.ofSeconds(960), plan.profiles().getFirst().profile().drainTimeout());
        assertTrue(plan.render().contains("≤15m"), plan.render());
    }

    @Test
    void aPercentileBeyondTheLargestBucketIsRefused() {
        String metrics = """
                holdline_call_duration_seconds_bucket{profile="long",le="14400.0"} 90
                holdline_call_duration_seconds_bucket{profile="long",le="+Inf"} 100
                """;
        var e = assertThrows(PlannerInputException.class,
                () -> DrainPlanner.plan(CallDurations.fromPrometheus("m", metrics), DrainPlanner.Settings.defaults()));
        assertTrue(e.getMessage().contains("profile 'long'") && e.getMessage().contains("p99 is unknown"), e.getMessage());
    }

    @Test
    void aBadCsvLineIsNamed() throws Exception {
        Path file = dir.resolve("bad.csv");
        Files.write(file, List.of("profile,duration_seconds", "support,120", "support,two minutes"));
        var e = assertThrows(PlannerInputException.class, () -> CallDurations.fromCsv(file));
        assertTrue(e.getMessage().contains("bad.csv line 3") && e.getMessage().contains("'two minutes'"), e.getMessage());
    }

    @Test
    void durationsMayBeWrittenAsTheProfileFileWritesThem() {
        CallDurations d = CallDurations.fromCsv("x", List.of("a,14m30s", "a,PT1M", "a,90.5"));
        assertEquals(List.of(Duration.ofMillis(60_000), Duration.ofMillis(90_500), Duration.ofSeconds(870)),
                d.profiles().get("a").samples().stream().map(Sample::duration).toList());
    }

    @Test
    void theDeployEstimateGrowsWithTheCallsInProgress() {
        CallDurations d = CallDurations.fromCsv("x", Arrays.stream(calls().get("support")).mapToObj(s -> "support," + s).toList());
        DrainPlan.DeployEstimate one = DrainPlanner.plan(d, new DrainPlanner.Settings(0.99, Duration.ofSeconds(60), Optional.empty(),
                Optional.empty(), 1, Duration.ofSeconds(60))).deploy();
        DrainPlan.DeployEstimate many = DrainPlanner.plan(d, DrainPlanner.Settings.defaults()).deploy();
        assertTrue(one.drainMedian().compareTo(many.drainMedian()) < 0, one + " vs " + many);
        assertTrue(many.drain95().compareTo(many.drainMax()) <= 0);
        // One call in progress: its remaining time is uniform over a length-biased pick, so the median
        // solves Σ(d − t)⁺ / Σd = 0.5. Check the planner's answer against that equation directly.
        double[] ds = calls().get("support");
        double t = one.drainMedian().toSeconds();
        double sum = Arrays.stream(ds).sum();
        double at = Arrays.stream(ds).map(x -> Math.max(0, x - t)).sum() / sum;
        double before = Arrays.stream(ds).map(x -> Math.max(0, x - (t - 1))).sum() / sum;
        assertTrue(at <= 0.5 && before > 0.5, "median " + t + " s: S(t)=" + at + ", S(t-1)=" + before);
    }
}
