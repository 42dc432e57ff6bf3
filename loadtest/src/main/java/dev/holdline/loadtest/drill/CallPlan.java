package dev.holdline.loadtest.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * When each caller arrives and how long it stays, drawn once from the seed so that a drill and its
 * baseline carry the same load: arrivals at the set rate, each moved by up to half an interval
 * either way (not in lockstep, but without the bursts of a Poisson stream, which on two cores
 * pile ten calls' joins into a few seconds and make every caller hear gaps), and lognormal lengths
 * through the given median and 99th percentile (scaled), capped at the 99.9th percentile.
 */
public record CallPlan(List<PlannedCall> calls, Duration longestCall) {

    /** One caller: arrives {@code startMillis} after the drill's first call, talks for {@code lengthMillis}. */
    public record PlannedCall(int index, long startMillis, long lengthMillis) {
    }

    /** z of the 99th and 99.9th percentiles of the standard normal distribution. */
    private static final double Z99 = 2.3263;
    private static final double Z999 = 3.0902;

    public static CallPlan of(DrillOptions o) {
        Random random = new Random(o.seed());
        double mu = Math.log(o.scaled(o.callP50()).toMillis());
        double sigma = (Math.log(o.callP99().toMillis()) - Math.log(o.callP50().toMillis())) / Z99;
        long cap = capMillis(o);
        double interval = 60_000.0 / o.ratePerMinute();
        long[] starts = new long[o.calls()];
        for (int i = 0; i < starts.length; i++) {
            double jitter = i == 0 ? 0 : (random.nextDouble() - 0.5) * interval;
            starts[i] = Math.round(i * interval + jitter);
        }
        java.util.Arrays.sort(starts);
        List<PlannedCall> calls = new ArrayList<>();
        long longest = 0;
        for (int i = 0; i < starts.length; i++) {
            long length = Math.min(cap, Math.round(Math.exp(mu + sigma * random.nextGaussian())));
            longest = Math.max(longest, length);
            calls.add(new PlannedCall(i + 1, starts[i], length));
        }
        return new CallPlan(List.copyOf(calls), Duration.ofMillis(longest));
    }

    /** The longest a planned call can be: the 99.9th percentile of the (scaled) distribution. */
    public static long capMillis(DrillOptions o) {
        double sigma = (Math.log(o.callP99().toMillis()) - Math.log(o.callP50().toMillis())) / Z99;
        return Math.round(o.scaled(o.callP50()).toMillis() * Math.exp(sigma * Z999));
    }

    /** The most calls the plan has running at once. */
    public int peakConcurrency() {
        int peak = 0;
        for (PlannedCall c : calls) {
            int running = (int) calls.stream().filter(o -> o.startMillis() <= c.startMillis()
                    && o.startMillis() + o.lengthMillis() > c.startMillis()).count();
            peak = Math.max(peak, running);
        }
        return peak;
    }

    /** When the last call is planned to end, after the first arrives. */
    public long endMillis() {
        return calls.stream().mapToLong(c -> c.startMillis() + c.lengthMillis()).max().orElse(0);
    }
}
