package dev.holdline.lifecycle.aws;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How a failed AWS call is tried again: up to {@code maxAttempts} tries in all, waiting an
 * exponentially growing, randomised time between them (resilience4j's exponential random backoff,
 * so tasks started together by one deploy do not retry in step). Only errors worth retrying are
 * retried — throttling, HTTP 5xx, timeouts and connection failures; an access-denied or validation
 * error fails at once. The AWS clients from {@link AwsClients} do not retry by themselves, so this is
 * the only retry layer.
 *
 * @param maxAttempts    tries in all, at least 1
 * @param initialBackoff wait before the second try
 * @param multiplier     growth of the wait per try, at least 1
 * @param jitter         randomisation factor in [0, 1): each wait is drawn from {@code wait × (1 ± jitter)}
 * @param maxBackoff     cap on a single wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, double jitter, Duration maxBackoff) {

    /**
     * 3 tries, waiting about 1 s then 2 s (± 50 %), at most 10 s a wait: a throttled or failing call
     * gets two more chances within a few seconds, well inside any poll or heartbeat interval here.
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofSeconds(1), 2.0, 0.5, Duration.ofSeconds(10));

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("initialBackoff must be positive, was " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
        }
        if (!(multiplier >= 1.0)) {
            throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter < 1.0)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
        }
    }

    /** A resilience4j {@link Retry} for this policy that retries what {@link AwsErrors#retryable} allows. */
    Retry toRetry(String name) {
        IntervalFunction backoff = jitter == 0.0
                ? IntervalFunction.ofExponentialBackoff(initialBackoff, multiplier, maxBackoff)
                : IntervalFunction.ofExponentialRandomBackoff(initialBackoff, multiplier, jitter, maxBackoff);
        return Retry.of(name, RetryConfig.custom()
                .maxAttempts(maxAttempts)
                .intervalFunction(backoff)
                .retryOnException(AwsErrors::retryable)
                .failAfterMaxAttempts(false)
                .build());
    }
}
