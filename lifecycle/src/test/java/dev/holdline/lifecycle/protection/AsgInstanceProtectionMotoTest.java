package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.aws.Imds;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import dev.holdline.lifecycle.awsfakes.MotoServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;

/**
 * {@link AsgInstanceProtection} against moto's Auto Scaling (a second, independent implementation
 * of the Query protocol): a launch configuration, a group with one instance, then protection set,
 * read back with {@code DescribeAutoScalingInstances}, and cleared. moto runs as a child process on
 * 127.0.0.1; the test skips where {@code moto_server} is not on the PATH.
 */
class AsgInstanceProtectionMotoTest {
    private static final String GROUP = "holdline-moto-workers";

    private static MotoServer moto;

    @BeforeAll
    static void startMoto() throws IOException {
        moto = MotoServer.startIfInstalled().orElse(null);
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto != null) {
            assertTrue(moto.stop(), "moto_server left running");
        }
    }

    @BeforeEach
    void needsMoto() {
        Assumptions.assumeTrue(moto != null, MotoServer.SKIP_REASON);
    }

    @Test
    void setsAndClearsInstanceProtectionInMoto() throws Exception {
        String instanceId;
        try (AutoScalingClient setup = TestAws.autoScaling(moto.endpoint())) {
            setup.createLaunchConfiguration(r -> r.launchConfigurationName("holdline-lc")
                    .imageId("ami-12c6146b").instanceType("t3.micro"));
            setup.createAutoScalingGroup(r -> r.autoScalingGroupName(GROUP).launchConfigurationName("holdline-lc")
                    .minSize(1).maxSize(1).desiredCapacity(1).availabilityZones("us-east-1a"));
            List<AutoScalingInstanceDetails> instances = setup.describeAutoScalingInstances(r -> { })
                    .autoScalingInstances().stream().filter(i -> i.autoScalingGroupName().equals(GROUP)).toList();
            assertEquals(1, instances.size(), instances.toString());
            instanceId = instances.getFirst().instanceId();
        }

        try (FakeImds imdsServer = FakeImds.start(); Imds imds = new Imds(imdsServer.uri(), Duration.ofSeconds(2));
             AutoScalingClient reader = TestAws.autoScaling(moto.endpoint())) {
            imdsServer.setItem("meta-data/instance-id", instanceId);
            try (AsgInstanceProtection protection = AsgInstanceProtection.resolve(imds, TestAws.autoScaling(moto.endpoint()))) {
                assertEquals(instanceId, protection.instanceId());
                assertEquals(GROUP, protection.groupName());

                protection.setProtected(true, Duration.ofMinutes(60));
                assertTrue(protectedFromScaleIn(reader, instanceId));
                protection.setProtected(false, Duration.ofMinutes(60));
                assertFalse(protectedFromScaleIn(reader, instanceId));
            }
        }
    }

    private static boolean protectedFromScaleIn(AutoScalingClient client, String instanceId) {
        return client.describeAutoScalingInstances(r -> r.instanceIds(instanceId))
                .autoScalingInstances().getFirst().protectedFromScaleIn();
    }
}
