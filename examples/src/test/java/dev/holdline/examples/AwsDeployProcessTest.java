package dev.holdline.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.lifecycle.awsfakes.FakeEcsAgentEndpoint;
import dev.holdline.lifecycle.awsfakes.FakeEcsApi;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import dev.holdline.lifecycle.awsfakes.FakeTaskMetadata;
import java.time.Duration;
import java.util.Map;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.WorkerStatus;
import org.junit.jupiter.api.Test;

/**
 * The whole deploy flow in a real worker process on "ECS" (every AWS endpoint a loopback fake):
 * a call is live and the task protected; the service's PRIMARY deployment moves to a new task
 * definition — and a protected task gets no SIGTERM — so the worker notices by itself, drains,
 * lets the call finish, clears its protection and exits 0.
 */
class AwsDeployProcessTest {
    private static final String SECRET = "aws-flow-secret-99";
    private static final String CLUSTER = "arn:aws:ecs:us-east-1:111122223333:cluster/voice";

    @Test
    void aProtectedTaskNoticesANewDeploymentDrainsClearsProtectionAndExitsZero() throws Exception {
        try (DevServer server = DevServer.builder().port(0).key("devkey", SECRET).build().start();
             FakeTaskMetadata metadata = FakeTaskMetadata.start(CLUSTER,
                     "arn:aws:ecs:us-east-1:111122223333:task/voice/0123456789abcdef", "holdline", "7", "EC2", "holdline-workers");
             FakeEcsAgentEndpoint agent = FakeEcsAgentEndpoint.start();
             FakeEcsApi ecs = FakeEcsApi.start();
             FakeImds imds = FakeImds.start()) {
            ecs.setService("voice", "holdline-workers", FakeEcsApi.taskDefinitionArn("holdline", 7));
            imds.setItem("meta-data/instance-id", "i-0abc");
            imds.setItem("meta-data/autoscaling/target-lifecycle-state", "InService");
            Map<String, String> env = Map.ofEntries(
                    Map.entry("LIVEKIT_URL", server.httpUrl()), Map.entry("LIVEKIT_API_KEY", "devkey"),
                    Map.entry("LIVEKIT_API_SECRET", SECRET),
                    Map.entry("ECS_CONTAINER_METADATA_URI_V4", metadata.uri().toString()),
                    Map.entry("ECS_AGENT_URI", agent.uri().toString()),
                    Map.entry("HOLDLINE_ECS_ENDPOINT", ecs.uri().toString()),
                    Map.entry("HOLDLINE_IMDS_ENDPOINT", imds.uri().toString()),
                    Map.entry("HOLDLINE_DEPLOYMENT_POLL", "500ms"), Map.entry("HOLDLINE_TERMINATION_POLL", "500ms"),
                    Map.entry("HOLDLINE_STOP_TIMEOUT", "400s"),
                    Map.entry("AWS_REGION", "us-east-1"), Map.entry("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEFAKE"),
                    Map.entry("AWS_SECRET_ACCESS_KEY", "fake-secret-key"), Map.entry("AWS_EC2_METADATA_DISABLED", "true"));
            try (ChildJvm child = ChildJvm.start(env, "start", "--agent", "hold", "--health-port", "0")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.events().stream()
                        .anyMatch(AgentEvent.WorkerRegistered.class::isInstance));
                assertTrue(child.hasLine("On ECS: cluster " + CLUSTER), child.text());

                String dispatch = server.createDispatch("room-deploy", "hold", "{\"seconds\": 4}").getId();
                await().atMost(Duration.ofSeconds(10)).until(agent::enabled);

                ecs.startDeployment("voice", "holdline-workers", FakeEcsApi.taskDefinitionArn("holdline", 8));
                await().atMost(Duration.ofSeconds(10)).until(() -> child.hasLine("this task runs holdline:7): draining"));
                await().atMost(Duration.ofSeconds(5)).until(() -> server.workers().stream()
                        .anyMatch(w -> w.status() == WorkerStatus.WS_FULL));
                assertTrue(agent.enabled(), "still protected while the call runs");

                assertEquals(0, child.awaitExit(Duration.ofSeconds(30)));
                assertEquals(JobStatus.JS_SUCCESS, server.jobs().stream().filter(j -> j.dispatchId().equals(dispatch))
                        .findFirst().orElseThrow().status(), "the call finished, not cut");
                assertFalse(agent.enabled(), "protection cleared before exit");
                assertTrue(child.hasLine("1 session(s) finished on their own, 0 ended at their deadline"), child.text());
            }
        }
    }
}
