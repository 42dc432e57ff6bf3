package dev.holdline.lifecycle.planner;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code count} calls that lasted {@code duration}: one CSV row, or one histogram bucket (its calls
 * at the bucket's upper bound, which is all a histogram says of them).
 */
public record Sample(Duration duration, long count) {
    public Sample {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || count < 0) {
            throw new IllegalArgumentException("a sample needs a duration >= 0 and a count >= 0");
        }
    }
}
