package dev.holdline.lifecycle.protection;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/** AWS SDK clients for tests: loopback endpoint, fixed region, fake static keys, nothing looked up on the network. */
final class TestAws {
    static {
        // Belt and braces: nothing in these tests may reach 169.254.169.254 (region/credential lookups).
        System.setProperty("aws.disableEc2Metadata", "true");
    }

    static final StaticCredentialsProvider FAKE_KEYS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKEFAKE", "fake-secret-key"));

    private TestAws() {
    }

    /** A client whose SDK-level retries are off, so tests see each fault the fake injects. */
    static AutoScalingClient autoScaling(URI endpoint) {
        return AutoScalingClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(FAKE_KEYS)
                .httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }
}
