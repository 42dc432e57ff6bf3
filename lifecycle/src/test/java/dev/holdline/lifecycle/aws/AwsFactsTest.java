package dev.holdline.lifecycle.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.holdline.lifecycle.awsfakes.FakeTaskMetadata;
import dev.holdline.lifecycle.ecs.EcsMetadataException;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** Start-up facts: off outside ECS in one line, facts from {@link FakeTaskMetadata} on it. */
class AwsFactsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String FARGATE_TASK = "arn:aws:ecs:eu-west-1:111122223333:task/holdline-prod/8f03e41243824aea923aca126495f665";
    private static final String EC2_TASK = "arn:aws:ecs:ap-southeast-2:111122223333:task/holdline-ec2/1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f";

    private LogCapture logs;

    @BeforeEach
    void capture() {
        logs = new LogCapture(AwsFacts.class);
    }

    @AfterEach
    void release() {
        logs.close();
    }

    @Test
    void outsideEcsEverythingIsOffWithOneClearLine() {
        AwsFacts facts = AwsFacts.detect(Map.of(), TIMEOUT);

        assertFalse(facts.onEcs());
        assertFalse(facts.serviceTask());
        assertFalse(facts.onEc2Instance());
        assertEquals(Optional.empty(), facts.task());
        assertEquals(Optional.empty(), facts.region());
        assertEquals(List.of("Not on ECS (ECS_CONTAINER_METADATA_URI_V4 unset): task protection, deployment watcher"
                + " and instance termination watcher are off"), logs.at(Level.INFO));
        assertEquals(1, logs.at(Level.INFO).size() + logs.at(Level.WARN).size() + logs.at(Level.DEBUG).size());
    }

    @Test
    void aFargateServiceTaskIsDescribedInOneLineWithItsRegionFromTheTaskArn() {
        try (FakeTaskMetadata metadata = FakeTaskMetadata.start("holdline-prod", FARGATE_TASK, "holdline-worker", "42",
                "FARGATE", "holdline-worker")) {
            AwsFacts facts = AwsFacts.detect(Map.of(EcsTaskMetadata.METADATA_URI_ENV, metadata.uri().toString()), TIMEOUT);

            assertTrue(facts.onEcs());
            assertEquals("holdline-worker", facts.task().orElseThrow().serviceName());
            assertEquals(Optional.of(Region.EU_WEST_1), facts.region());
            assertEquals(Optional.of("task ARN"), facts.regionSource());
            assertTrue(facts.serviceTask());
            assertFalse(facts.onEc2Instance(), "Fargate: no instance to watch");
            List<String> info = logs.at(Level.INFO);
            assertEquals(1, info.size(), info.toString());
            String line = info.get(0);
            for (String expected : List.of("cluster holdline-prod", "task " + FARGATE_TASK, "launch type FARGATE",
                    "service holdline-worker", "AZ eu-west-1a", "region eu-west-1 (from task ARN)",
                    "instance termination watcher off")) {
                assertTrue(line.contains(expected), "'" + expected + "' in: " + line);
            }
            assertFalse(line.contains("deployment watcher off"), line);
        }
    }

    @Test
    void awsRegionWinsOverTheTaskArn() {
        try (FakeTaskMetadata metadata = FakeTaskMetadata.start("holdline-prod", FARGATE_TASK, "holdline-worker", "42",
                "FARGATE", "holdline-worker")) {
            AwsFacts facts = AwsFacts.detect(Map.of(EcsTaskMetadata.METADATA_URI_ENV, metadata.uri().toString(),
                    "AWS_REGION", "eu-central-1"), TIMEOUT);
            assertEquals(Optional.of(Region.EU_CENTRAL_1), facts.region());
            assertEquals(Optional.of("AWS_REGION"), facts.regionSource());
        }
    }

    @Test
    void anEc2TaskOutsideAServiceHasOnlyTheInstanceWatcher() {
        try (FakeTaskMetadata metadata = FakeTaskMetadata.start("holdline-ec2", EC2_TASK, "holdline-worker", "3", "EC2", "")) {
            AwsFacts facts = AwsFacts.detect(Map.of(EcsTaskMetadata.METADATA_URI_ENV, metadata.uri().toString()), TIMEOUT);
            assertTrue(facts.onEc2Instance());
            assertFalse(facts.serviceTask());
            assertEquals(Optional.of(Region.AP_SOUTHEAST_2), facts.region());
            String line = logs.at(Level.INFO).get(0);
            assertTrue(line.contains("task protection and deployment watcher off (not part of a service)"), line);
            assertFalse(line.contains("instance termination watcher off"), line);
        }
    }

    @Test
    void anUnreadableEndpointStopsStartUp() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> env = Map.of(EcsTaskMetadata.METADATA_URI_ENV, "http://127.0.0.1:" + port + "/v4/x");
        assertThrows(EcsMetadataException.class, () -> AwsFacts.detect(env, TIMEOUT));
    }

    @Test
    void theRegionIsTheFourthFieldOfAnArn() {
        assertEquals(Optional.of("eu-west-1"), AwsFacts.regionOfArn(FARGATE_TASK));
        assertEquals(Optional.of("cn-north-1"), AwsFacts.regionOfArn("arn:aws-cn:ecs:cn-north-1:111122223333:task/c/abc"));
        assertEquals(Optional.empty(), AwsFacts.regionOfArn("arn:aws:iam::111122223333:role/x"));
        assertEquals(Optional.empty(), AwsFacts.regionOfArn("not-an-arn"));
        assertEquals(Optional.empty(), AwsFacts.regionOfArn(""));
    }
}
