package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.aws.Imds;
import dev.holdline.lifecycle.awsfakes.FakeAutoScaling;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/** ASG instance protection through IMDSv2 and the real AWS SDK, against the fakes. */
class AsgInstanceProtectionTest {
    FakeImds imdsServer;
    FakeAutoScaling asg;
    Imds imds;
    /** For calls expected to fail: resolve leaves the client with the caller then. */
    AutoScalingClient spare;

    @BeforeEach
    void start() {
        imdsServer = FakeImds.start();
        asg = FakeAutoScaling.start();
        imds = new Imds(imdsServer.uri(), Duration.ofSeconds(2));
        spare = TestAws.autoScaling(asg.uri());
        imdsServer.setItem("meta-data/instance-id", "i-0123456789abcdef0");
        asg.addInstance("i-0123456789abcdef0", "holdline-workers");
        asg.addInstance("i-0fedcba9876543210", "holdline-workers");
    }

    @AfterEach
    void stop() {
        spare.close();
        imds.close();
        imdsServer.close();
        asg.close();
        ProtectionPolicyTest.assertNoPolicyThreadsLeft();
    }

    @Test
    void resolvesThisInstanceThroughImdsV2AndItsGroupOnce() throws Exception {
        try (AsgInstanceProtection p = AsgInstanceProtection.resolve(imds, TestAws.autoScaling(asg.uri()))) {
            assertEquals("i-0123456789abcdef0", p.instanceId());
            assertEquals("holdline-workers", p.groupName());
            assertEquals("ASG instance protection (i-0123456789abcdef0 in holdline-workers)", p.describe());
            assertFalse(p.expires());
            assertEquals(1, imdsServer.tokenRequests(), "IMDSv2: a token first");

            p.setProtected(true, Duration.ofMinutes(60));
            assertEquals(Optional.of(true), asg.protectionOf("i-0123456789abcdef0"));
            assertEquals(Optional.of(false), asg.protectionOf("i-0fedcba9876543210"), "only this instance");
            p.setProtected(false, Duration.ofMinutes(60));
            assertEquals(Optional.of(false), asg.protectionOf("i-0123456789abcdef0"));
            assertEquals(List.of("DescribeAutoScalingInstances", "SetInstanceProtection", "SetInstanceProtection"),
                    asg.actions(), "resolved once");
        }
    }

    @Test
    void resolveSaysWhyItCannot() {
        imdsServer.setItem("meta-data/instance-id", "i-0notinagroup");
        ProtectionException notInGroup = assertThrows(ProtectionException.class,
                () -> AsgInstanceProtection.resolve(imds, spare));
        assertFalse(notInGroup.retryable());
        assertTrue(notInGroup.getMessage().contains("i-0notinagroup is not in an Auto Scaling group"), notInGroup.getMessage());

        imdsServer.removeItem("meta-data/instance-id");
        ProtectionException noId = assertThrows(ProtectionException.class,
                () -> AsgInstanceProtection.resolve(imds, spare));
        assertFalse(noId.retryable());
        assertTrue(noId.getMessage().contains("meta-data/instance-id"), noId.getMessage());

        asg.failNext(403, "AccessDenied", "User is not authorized to perform: autoscaling:DescribeAutoScalingInstances");
        imdsServer.setItem("meta-data/instance-id", "i-0123456789abcdef0");
        ProtectionException denied = assertThrows(ProtectionException.class,
                () -> AsgInstanceProtection.resolve(imds, spare));
        assertFalse(denied.retryable());
        assertTrue(denied.getMessage().startsWith("access denied: the role lacks autoscaling:DescribeAutoScalingInstances"),
                denied.getMessage());

        imdsServer.close();
        ProtectionException imdsDown = assertThrows(ProtectionException.class,
                () -> AsgInstanceProtection.resolve(imds, spare));
        assertTrue(imdsDown.retryable());
        assertTrue(imdsDown.getMessage().contains("IMDS"), imdsDown.getMessage());
    }

    @Test
    void sdkFailuresMapToRetryableOrNot() throws Exception {
        try (AsgInstanceProtection p = AsgInstanceProtection.resolve(imds, TestAws.autoScaling(asg.uri()))) {
            asg.failNext(400, "Throttling", "Rate exceeded");
            ProtectionException throttled = assertThrows(ProtectionException.class, () -> p.setProtected(true, Duration.ZERO));
            assertTrue(throttled.retryable());
            assertTrue(throttled.getMessage().startsWith("throttled: SetInstanceProtection true"), throttled.getMessage());

            asg.failNext(500, "InternalFailure", "We encountered an internal error");
            assertTrue(assertThrows(ProtectionException.class, () -> p.setProtected(true, Duration.ZERO)).retryable());

            asg.failNext(403, "AccessDenied", "User: arn:aws:sts::111122223333:assumed-role/worker/i-0 is not authorized"
                    + " to perform: autoscaling:SetInstanceProtection");
            ProtectionException denied = assertThrows(ProtectionException.class, () -> p.setProtected(true, Duration.ZERO));
            assertFalse(denied.retryable());
            assertTrue(denied.getMessage().startsWith("access denied: the role lacks autoscaling:SetInstanceProtection"),
                    denied.getMessage());

            asg.failNext(400, "ValidationError", "The instance i-0123456789abcdef0 is not part of Auto Scaling group x.");
            ProtectionException rejected = assertThrows(ProtectionException.class, () -> p.setProtected(true, Duration.ZERO));
            assertFalse(rejected.retryable());
            assertTrue(rejected.getMessage().contains("ValidationError"), rejected.getMessage());
            assertEquals(Optional.of(false), asg.protectionOf("i-0123456789abcdef0"));
        }
    }

    @Test
    void thePolicyProtectsTheInstanceWhileBusyWithoutRenewingIt() throws Exception {
        ManualTime time = new ManualTime();
        try (ProtectionPolicy policy = ProtectionPolicy.builder(AsgInstanceProtection.resolve(imds, TestAws.autoScaling(asg.uri())))
                .timer(time).clock(time).build()) {
            policy.busy(true);
            assertTrue(policy.settle(Duration.ofSeconds(5)));
            assertEquals(Optional.of(true), asg.protectionOf("i-0123456789abcdef0"));
            ProtectionStatus on = policy.status();
            assertTrue(on.enabled());
            assertEquals(Optional.empty(), on.expiresAt(), "instance protection does not expire");

            time.advance(Duration.ofHours(3));
            assertTrue(policy.settle(Duration.ofSeconds(5)));
            assertEquals(2, asg.actions().size(), "no renewal calls");

            asg.failNext(400, "Throttling", "Rate exceeded");
            policy.busy(false);
            assertTrue(policy.settle(Duration.ofSeconds(5)));
            time.advance(ProtectionPolicy.DEFAULT_IDLE_GRACE);
            assertTrue(policy.settle(Duration.ofSeconds(5)));
            assertEquals(Optional.of(true), asg.protectionOf("i-0123456789abcdef0"), "throttled: still on");
            assertTrue(policy.status().lastError().orElseThrow().contains("Rate exceeded"));
            time.advance(time.pendingDelays().getFirst());
            assertTrue(policy.settle(Duration.ofSeconds(5)));
            assertEquals(Optional.of(false), asg.protectionOf("i-0123456789abcdef0"));
            assertFalse(policy.status().enabled());
            assertTrue(policy.clearBeforeExit(Duration.ofSeconds(2)));
            assertEquals(4, asg.actions().size(), "already off: no call at exit");
        }
    }
}
