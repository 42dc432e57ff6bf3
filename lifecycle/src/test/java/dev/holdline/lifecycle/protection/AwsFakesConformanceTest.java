package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.aws.Imds;
import dev.holdline.lifecycle.awsfakes.FakeAutoScaling;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingException;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;
import software.amazon.awssdk.services.autoscaling.model.LifecycleState;

/** The fakes' wire shapes, checked with the real clients: the AWS SDK v2 and {@link Imds}. */
class AwsFakesConformanceTest {

    @Nested
    class Imdsv2 {
        FakeImds imds;
        Imds client;

        @BeforeEach
        void start() {
            imds = FakeImds.start();
            client = new Imds(imds.uri(), Duration.ofSeconds(2));
        }

        @AfterEach
        void stop() {
            client.close();
            imds.close();
        }

        @Test
        void servesItemsThroughTheTokenFlowAndCachesTheToken() throws Exception {
            imds.setItem("meta-data/instance-id", "i-0abc");
            imds.setItem("meta-data/autoscaling/target-lifecycle-state", "InService");
            assertEquals(Optional.of("i-0abc"), client.get("meta-data/instance-id"));
            assertEquals(Optional.of("InService"), client.get("meta-data/autoscaling/target-lifecycle-state"));
            assertEquals(1, imds.tokenRequests());
        }

        @Test
        void unknownAndRemovedItemsAre404() throws Exception {
            assertEquals(Optional.empty(), client.get("meta-data/autoscaling/target-lifecycle-state"));
            imds.setItem("meta-data/instance-id", "i-0abc");
            imds.removeItem("meta-data/instance-id");
            assertEquals(Optional.empty(), client.get("meta-data/instance-id"));
        }

        @Test
        void anExpiredTokenIsReplacedOnce() throws Exception {
            imds.setItem("meta-data/instance-id", "i-0abc");
            client.get("meta-data/instance-id");
            imds.expireTokens();
            assertEquals(Optional.of("i-0abc"), client.get("meta-data/instance-id"));
            assertEquals(2, imds.tokenRequests());
        }

        @Test
        void withoutATokenIsUnauthorizedUnlessV1IsAllowed() throws Exception {
            imds.setItem("meta-data/instance-id", "i-0abc");
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpRequest get = HttpRequest.newBuilder(imds.uri().resolve("/latest/meta-data/instance-id")).build();
                assertEquals(401, http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode());
                imds.requireToken(false);
                HttpResponse<String> v1 = http.send(get, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, v1.statusCode());
                assertEquals("i-0abc", v1.body());
                HttpRequest noTtl = HttpRequest.newBuilder(imds.uri().resolve("/latest/api/token"))
                        .PUT(HttpRequest.BodyPublishers.noBody()).build();
                assertEquals(400, http.send(noTtl, HttpResponse.BodyHandlers.ofString()).statusCode());
                HttpRequest dir = HttpRequest.newBuilder(imds.uri().resolve("/latest/meta-data/")).build();
                assertEquals("instance-id", http.send(dir, HttpResponse.BodyHandlers.ofString()).body());
            }
        }

        @Test
        void aTokenRequestThatFailsIsAnIOException() {
            imds.close();
            assertThrows(IOException.class, () -> client.get("meta-data/instance-id"));
        }
    }

    @Nested
    class AutoScalingQueryProtocol {
        FakeAutoScaling asg;
        AutoScalingClient client;

        @BeforeEach
        void start() {
            asg = FakeAutoScaling.start();
            client = TestAws.autoScaling(asg.uri());
        }

        @AfterEach
        void stop() {
            client.close();
            asg.close();
        }

        @Test
        void describeAutoScalingInstancesParses() {
            asg.addInstance("i-1", "workers");
            asg.addInstance("i-2", "other");
            List<AutoScalingInstanceDetails> found =
                    client.describeAutoScalingInstances(r -> r.instanceIds("i-1", "i-missing")).autoScalingInstances();
            assertEquals(1, found.size());
            AutoScalingInstanceDetails d = found.getFirst();
            assertEquals("i-1", d.instanceId());
            assertEquals("workers", d.autoScalingGroupName());
            assertEquals(LifecycleState.IN_SERVICE.toString(), d.lifecycleState());
            assertEquals("HEALTHY", d.healthStatus());
            assertEquals("us-east-1a", d.availabilityZone());
            assertEquals("holdline-workers", d.launchTemplate().launchTemplateName());
            assertFalse(d.protectedFromScaleIn());
            assertEquals(2, client.describeAutoScalingInstances(r -> { }).autoScalingInstances().size());
        }

        @Test
        void setInstanceProtectionRoundTrips() {
            asg.addInstance("i-1", "workers");
            client.setInstanceProtection(r -> r.autoScalingGroupName("workers").instanceIds("i-1").protectedFromScaleIn(true));
            assertEquals(Optional.of(true), asg.protectionOf("i-1"));
            assertTrue(client.describeAutoScalingInstances(r -> r.instanceIds("i-1"))
                    .autoScalingInstances().getFirst().protectedFromScaleIn());
            client.setInstanceProtection(r -> r.autoScalingGroupName("workers").instanceIds("i-1").protectedFromScaleIn(false));
            assertEquals(Optional.of(false), asg.protectionOf("i-1"));
            assertEquals(Optional.empty(), asg.protectionOf("i-unknown"));
            assertEquals(List.of("SetInstanceProtection", "DescribeAutoScalingInstances", "SetInstanceProtection"), asg.actions());
        }

        @Test
        void anInstanceOutsideTheGroupIsAValidationError() {
            asg.addInstance("i-1", "workers");
            AutoScalingException e = assertThrows(AutoScalingException.class, () -> client.setInstanceProtection(
                    r -> r.autoScalingGroupName("workers").instanceIds("i-2").protectedFromScaleIn(true)));
            assertEquals("ValidationError", e.awsErrorDetails().errorCode());
            assertEquals(400, e.statusCode());
            assertTrue(e.getMessage().contains("i-2"), e.getMessage());
        }

        @Test
        void lifecycleActionsAreRecorded() {
            asg.addInstance("i-1", "workers");
            client.recordLifecycleActionHeartbeat(r -> r.lifecycleHookName("drain").autoScalingGroupName("workers").instanceId("i-1"));
            client.recordLifecycleActionHeartbeat(r -> r.lifecycleHookName("drain").autoScalingGroupName("workers").instanceId("i-1"));
            client.completeLifecycleAction(r -> r.lifecycleHookName("drain").autoScalingGroupName("workers")
                    .instanceId("i-1").lifecycleActionResult("CONTINUE"));
            assertEquals(List.of("drain/workers/i-1", "drain/workers/i-1"), asg.heartbeats());
            assertEquals(List.of(new FakeAutoScaling.Completion("drain", "workers", "i-1", "CONTINUE")), asg.completions());
            AutoScalingException e = assertThrows(AutoScalingException.class, () -> client.completeLifecycleAction(
                    r -> r.lifecycleHookName("drain").autoScalingGroupName("workers").instanceId("i-1").lifecycleActionResult("MAYBE")));
            assertEquals("ValidationError", e.awsErrorDetails().errorCode());
        }

        @Test
        void injectedErrorsParseWithCodeStatusAndMessage() {
            asg.addInstance("i-1", "workers");
            asg.failNext(400, "Throttling", "Rate exceeded");
            asg.failNext(500, "InternalFailure", "boom");
            AutoScalingException throttled = assertThrows(AutoScalingException.class,
                    () -> client.describeAutoScalingInstances(r -> r.instanceIds("i-1")));
            assertEquals("Throttling", throttled.awsErrorDetails().errorCode());
            assertEquals("Rate exceeded", throttled.awsErrorDetails().errorMessage());
            assertTrue(throttled.isThrottlingException());
            AutoScalingException server = assertThrows(AutoScalingException.class,
                    () -> client.describeAutoScalingInstances(r -> r.instanceIds("i-1")));
            assertEquals(500, server.statusCode());
            assertFalse(server.requestId() == null || server.requestId().isBlank());
            assertEquals(1, client.describeAutoScalingInstances(r -> r.instanceIds("i-1")).autoScalingInstances().size());
            assertEquals(3, asg.actions().size());
        }
    }
}
