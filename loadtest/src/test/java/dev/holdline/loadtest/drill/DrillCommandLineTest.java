package dev.holdline.loadtest.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad flags are refused before anything starts, with the flag and the fix named; the call plan is reproducible. */
class DrillCommandLineTest {

    private static String refused(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DrillMain.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
        assertEquals(2, code, "exit code for " + String.join(" ", args));
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badFlagsNameTheFlagAndTheFix() {
        assertTrue(refused("drill", "--calls", "0").contains("--calls must be 1..10000"));
        assertTrue(refused("drill", "--time-scale", "2").contains("--time-scale must be > 0 and ≤ 1"));
        assertTrue(refused("drill", "--call-p50", "fifteen").contains("--call-p50 'fifteen' is not a duration"));
        assertTrue(refused("drill", "--call-p99", "2m").contains("raise --call-p99 or lower --call-p50"));
        assertTrue(refused("drill", "--max-percent", "100").contains("raise --max-percent or lower --min-healthy"));
        assertTrue(refused("drill", "--agent", "hold").contains("--agent must be tone or echo"));
        assertTrue(refused("drill", "--baseline", "--compare").contains("--baseline and --compare exclude each other"));
        assertTrue(refused("drill", "--profiles", "/no/such/file.yaml").contains("--profiles /no/such/file.yaml is not a readable file"));
        assertTrue(refused("drill", "--time-scale", "0.001").contains("raise --time-scale or --call-p50"));
    }

    @Test
    void theSameSeedGivesTheSameCallsAndLengthsFollowTheDistribution() {
        DrillOptions o = DrillOptions.defaults();
        CallPlan a = CallPlan.of(o);
        assertEquals(a, CallPlan.of(o));
        assertEquals(40, a.calls().size());
        long cap = CallPlan.capMillis(o);
        assertTrue(a.calls().stream().allMatch(c -> c.lengthMillis() > 0 && c.lengthMillis() <= cap));
        // 4 min × 0.035 = 8.4 s median; the 99.9th percentile of a p50 4 min / p99 8 min lognormal is about 10 min.
        assertEquals(Duration.ofMillis(8400), o.scaled(o.callP50()));
        assertTrue(cap > 19_000 && cap < 23_000, "cap " + cap);
        long[] sorted = a.calls().stream().mapToLong(CallPlan.PlannedCall::lengthMillis).sorted().toArray();
        assertTrue(sorted[20] > 5_000 && sorted[20] < 12_000, "median of 40 draws: " + sorted[20]);
    }
}
