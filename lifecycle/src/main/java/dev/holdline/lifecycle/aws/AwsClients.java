package dev.holdline.lifecycle.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The ECS and Auto Scaling clients the watchers use: bounded timeouts, and no retries of the SDK's
 * own — the watchers retry with jitter themselves ({@link RetryPolicy}), and two layers of retries
 * would multiply the calls made against account-wide rate limits. Close the clients when done.
 */
public final class AwsClients {
    /**
     * Per-try timeout, 5 s: ECS and Auto Scaling answer these small calls in well under a second;
     * a try that takes longer is retried rather than left to hold the watcher's thread.
     */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    /** Connect timeout, 2 s: the regional endpoints are close; a slow connect means a network problem. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private AwsClients() {
    }

    /** ECS in {@code region} with the default credentials chain (on ECS: the task role). */
    public static EcsClient ecs(Region region) {
        return ecs(region, DefaultCredentialsProvider.builder().build(), Optional.empty(), DEFAULT_ATTEMPT_TIMEOUT);
    }

    /**
     * ECS with everything chosen: tests pass a loopback {@code endpoint}, static credentials and a
     * short timeout.
     */
    public static EcsClient ecs(Region region, AwsCredentialsProvider credentials, Optional<URI> endpoint,
                                Duration attemptTimeout) {
        var builder = EcsClient.builder()
                .region(Objects.requireNonNull(region, "region"))
                .credentialsProvider(Objects.requireNonNull(credentials, "credentials"))
                .httpClientBuilder(http(attemptTimeout))
                .overrideConfiguration(overrides(attemptTimeout));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Auto Scaling in {@code region} with the default credentials chain (task role, else instance role). */
    public static AutoScalingClient autoScaling(Region region) {
        return autoScaling(region, DefaultCredentialsProvider.builder().build(), Optional.empty(), DEFAULT_ATTEMPT_TIMEOUT);
    }

    /** Auto Scaling with everything chosen (see {@link #ecs(Region, AwsCredentialsProvider, Optional, Duration)}). */
    public static AutoScalingClient autoScaling(Region region, AwsCredentialsProvider credentials, Optional<URI> endpoint,
                                                Duration attemptTimeout) {
        var builder = AutoScalingClient.builder()
                .region(Objects.requireNonNull(region, "region"))
                .credentialsProvider(Objects.requireNonNull(credentials, "credentials"))
                .httpClientBuilder(http(attemptTimeout))
                .overrideConfiguration(overrides(attemptTimeout));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static ApacheHttpClient.Builder http(Duration attemptTimeout) {
        return ApacheHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT.compareTo(attemptTimeout) < 0 ? CONNECT_TIMEOUT : attemptTimeout)
                .socketTimeout(attemptTimeout)
                .maxConnections(4);
    }

    private static ClientOverrideConfiguration overrides(Duration attemptTimeout) {
        if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
            throw new IllegalArgumentException("attemptTimeout must be positive, was " + attemptTimeout);
        }
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallAttemptTimeout(attemptTimeout)
                .apiCallTimeout(attemptTimeout)
                .build();
    }
}
