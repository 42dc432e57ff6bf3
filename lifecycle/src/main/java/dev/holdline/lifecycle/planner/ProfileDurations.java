package dev.holdline.lifecycle.planner;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The observed call durations of one profile, shortest first.
 *
 * @param upperBounds       true when they come from histogram buckets (each duration is an upper bound)
 * @param beyondLargestBucket calls in a histogram's {@code +Inf} bucket (counted at the largest bound)
 */
public record ProfileDurations(String profile, List<Sample> samples, boolean upperBounds, long beyondLargestBucket) {
    public ProfileDurations {
        Objects.requireNonNull(profile, "profile");
        samples = samples.stream().filter(s -> s.count() > 0).sorted(Comparator.comparing(Sample::duration)).toList();
    }

    public long calls() {
        return samples.stream().mapToLong(Sample::count).sum();
    }

    /**
     * The {@code q} quantile by the nearest-rank method: the shortest duration that at least
     * {@code ceil(q × calls)} calls did not exceed. Never interpolated, so it is a duration
     * someone's call actually had (or, from a histogram, a bucket bound no lower than it).
     */
    public Duration quantile(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1], was " + q);
        }
        long n = calls();
        if (n == 0) {
            throw new IllegalStateException("profile '" + profile + "' has no calls");
        }
        long rank = (long) Math.ceil(q * n);
        long seen = 0;
        for (Sample s : samples) {
            seen += s.count();
            if (seen >= rank) {
                return s.duration();
            }
        }
        return samples.getLast().duration();
    }

    /** True when the {@code q} quantile falls among the calls beyond a histogram's largest bucket (unknown). */
    public boolean quantileBeyondBuckets(double q) {
        long n = calls();
        return beyondLargestBucket > 0 && n - beyondLargestBucket < (long) Math.ceil(q * n);
    }

    public Duration longest() {
        return samples.getLast().duration();
    }
}
