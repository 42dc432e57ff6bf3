package dev.holdline.lifecycle.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Clients for tests: loopback endpoints only, static made-up credentials, a fixed Region, and the
 * SDK's EC2-metadata lookups switched off, so no test can reach 169.254.169.254 or an AWS host.
 */
final class AwsTestSupport {
    static {
        System.setProperty("aws.disableEc2Metadata", "true");
    }

    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
    /** Short, so that timeout tests stay fast. */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(400);
    /** Waits of a few milliseconds: the tests' manual timer owns them anyway. */
    static final RetryPolicy FAST_RETRY = new RetryPolicy(3, Duration.ofMillis(100), 2.0, 0.5, Duration.ofSeconds(1));

    private AwsTestSupport() {
    }

    static EcsClient ecs(URI endpoint) {
        return ecs(endpoint, ATTEMPT_TIMEOUT);
    }

    static EcsClient ecs(URI endpoint, Duration attemptTimeout) {
        return AwsClients.ecs(Region.US_EAST_1, CREDENTIALS, Optional.of(requireLoopback(endpoint)), attemptTimeout);
    }

    static AutoScalingClient autoScaling(URI endpoint) {
        return AwsClients.autoScaling(Region.US_EAST_1, CREDENTIALS, Optional.of(requireLoopback(endpoint)), ATTEMPT_TIMEOUT);
    }

    static URI requireLoopback(URI endpoint) {
        if (!"127.0.0.1".equals(endpoint.getHost())) {
            throw new IllegalArgumentException("tests talk to 127.0.0.1 only, not " + endpoint);
        }
        return endpoint;
    }
}
