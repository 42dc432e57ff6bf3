package dev.holdline.lifecycle.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.awsfakes.FakeEcsApi;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DescribeServicesResponse;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.Service;

/** {@link FakeEcsApi} speaks ECS as the real AWS SDK v2 client expects it. */
class FakeEcsApiTest {
    private FakeEcsApi fake;
    private EcsClient ecs;

    /**
     * The SDK's first call in a JVM (class loading, endpoint rules, marshallers) can take seconds on
     * a busy machine, beyond the tests' 400 ms attempt timeout: make it once, unhurried.
     */
    @BeforeAll
    static void warmUpTheSdk() {
        try (FakeEcsApi warm = FakeEcsApi.start(); EcsClient client = AwsTestSupport.ecs(warm.uri(), Duration.ofSeconds(30))) {
            warm.setService("warm", "up", FakeEcsApi.taskDefinitionArn("holdline", 1));
            client.describeServices(b -> b.cluster("warm").services("up"));
        }
    }

    @BeforeEach
    void start() {
        fake = FakeEcsApi.start();
        ecs = AwsTestSupport.ecs(fake.uri());
    }

    @AfterEach
    void stop() {
        ecs.close();
        fake.close();
    }

    @Test
    void describesAServiceWithItsPrimaryDeployment() {
        Instant before = Instant.now().minusSeconds(1);
        fake.setService("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 7));
        DescribeServicesResponse r = ecs.describeServices(b -> b.cluster("prod").services("worker"));

        assertEquals(List.of(), r.failures());
        Service s = r.services().get(0);
        assertEquals("worker", s.serviceName());
        assertEquals("arn:aws:ecs:us-east-1:123456789012:service/prod/worker", s.serviceArn());
        assertEquals("arn:aws:ecs:us-east-1:123456789012:cluster/prod", s.clusterArn());
        assertEquals("ACTIVE", s.status());
        Deployment d = s.deployments().get(0);
        assertEquals("PRIMARY", d.status());
        assertEquals(FakeEcsApi.taskDefinitionArn("holdline", 7), d.taskDefinition());
        assertEquals("COMPLETED", d.rolloutStateAsString());
        assertTrue(d.id().matches("ecs-svc/\\d{19}"), d.id());
        assertTrue(d.createdAt().isAfter(before), "epoch seconds parsed: " + d.createdAt());
        assertNotNull(d.updatedAt());
        assertEquals(1, fake.describeCalls());
    }

    @Test
    void aDeploymentMakesANewPrimaryAndTheOldOneActive() {
        fake.setService("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 7));
        fake.startDeployment("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 8));
        List<Deployment> deployments = ecs.describeServices(b -> b.cluster("arn:aws:ecs:us-east-1:123456789012:cluster/prod")
                .services("arn:aws:ecs:us-east-1:123456789012:service/prod/worker")).services().get(0).deployments();

        assertEquals(2, deployments.size());
        assertEquals("PRIMARY", deployments.get(0).status());
        assertEquals("IN_PROGRESS", deployments.get(0).rolloutStateAsString());
        assertTrue(deployments.get(0).taskDefinition().endsWith("/holdline:8"));
        assertEquals("ACTIVE", deployments.get(1).status());
        assertTrue(deployments.get(1).taskDefinition().endsWith("/holdline:7"));

        fake.completeDeployment("prod", "worker");
        List<Deployment> after = ecs.describeServices(b -> b.cluster("prod").services("worker")).services().get(0).deployments();
        assertEquals(1, after.size());
        assertEquals("COMPLETED", after.get(0).rolloutStateAsString());
    }

    @Test
    void anUnknownServiceIsAFailureAndAnUnknownClusterAnError() {
        fake.setService("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 7));
        DescribeServicesResponse r = ecs.describeServices(b -> b.cluster("prod").services("gone"));
        assertEquals(List.of(), r.services());
        assertEquals("MISSING", r.failures().get(0).reason());
        assertEquals("arn:aws:ecs:us-east-1:123456789012:service/prod/gone", r.failures().get(0).arn());

        assertThrows(ClusterNotFoundException.class, () -> ecs.describeServices(b -> b.cluster("nope").services("worker")));
    }

    @Test
    void failuresArriveAsTheSdksExceptions() {
        fake.setService("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 7));
        fake.failNext(400, "ThrottlingException", "Rate exceeded");
        fake.failNext(500, "ServerException", "Service Unavailable");
        fake.failNext(400, "AccessDeniedException", "not authorized");

        EcsException throttled = assertThrows(EcsException.class, () -> ecs.describeServices(b -> b.cluster("prod").services("worker")));
        assertTrue(throttled.isThrottlingException());
        assertTrue(AwsErrors.retryable(throttled));
        EcsException server = assertThrows(EcsException.class, () -> ecs.describeServices(b -> b.cluster("prod").services("worker")));
        assertEquals(500, server.statusCode());
        assertTrue(AwsErrors.retryable(server));
        EcsException denied = assertThrows(EcsException.class, () -> ecs.describeServices(b -> b.cluster("prod").services("worker")));
        assertEquals("AccessDeniedException", denied.awsErrorDetails().errorCode());
        assertFalse(AwsErrors.retryable(denied));
        assertTrue(AwsErrors.accessDenied(denied));

        assertEquals("worker", ecs.describeServices(b -> b.cluster("prod").services("worker")).services().get(0).serviceName());
        assertEquals(4, fake.describeCalls());
    }

    @Test
    void aDelayedAnswerTimesTheClientOut() {
        fake.setService("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 7));
        fake.delayNext(Duration.ofSeconds(3));
        SdkClientException e = assertThrows(SdkClientException.class, () -> ecs.describeServices(b -> b.cluster("prod").services("worker")));
        assertTrue(AwsErrors.retryable(e));
    }

    @Test
    void closingLeavesNoThreadBehindEvenWithAnAnswerHeldBack() {
        fake.setService("prod", "worker", FakeEcsApi.taskDefinitionArn("holdline", 7));
        fake.delayNext(Duration.ofSeconds(30));
        assertThrows(SdkClientException.class, () -> ecs.describeServices(b -> b.cluster("prod").services("worker")));
        assertTrue(DeploymentWatcherTest.threadAlive("fake-ecs-1"), "the held-back answer's thread");
        fake.close();
        // Threads end just after close returns: give them a moment, then none may remain.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("fake-ecs") && t.isAlive()));
    }
}
