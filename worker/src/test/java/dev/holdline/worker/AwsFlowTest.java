package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.lifecycle.awsfakes.FakeEcsAgentEndpoint;
import dev.holdline.lifecycle.awsfakes.FakeEcsApi;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import dev.holdline.lifecycle.awsfakes.FakeTaskMetadata;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The worker on "ECS", every AWS endpoint a loopback fake speaking the real wire shapes:
 * protection follows sessions, and a new PRIMARY deployment drains the worker by itself.
 */
@ExtendWith(NoLeakedThreads.class)
class AwsFlowTest {
    static final String CLUSTER = "arn:aws:ecs:us-east-1:111122223333:cluster/voice";
    static final String TASK_ARN = "arn:aws:ecs:us-east-1:111122223333:task/voice/0123456789abcdef";
    static final String TD_7 = "arn:aws:ecs:us-east-1:111122223333:task-definition/holdline:7";
    static final String TD_8 = "arn:aws:ecs:us-east-1:111122223333:task-definition/holdline:8";

    private final Fixture fx = new Fixture();
    private final FakeTaskMetadata metadata = FakeTaskMetadata.start(CLUSTER, TASK_ARN, "holdline", "7", "EC2", "holdline-workers");
    private final FakeEcsAgentEndpoint agent = FakeEcsAgentEndpoint.start();
    private final FakeEcsApi ecs = FakeEcsApi.start();
    private final FakeImds imds = FakeImds.start();

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
        metadata.close();
        agent.close();
        ecs.close();
        imds.close();
    }

    private Map<String, String> awsEnv() {
        ecs.setService("voice", "holdline-workers", TD_7);
        imds.setItem("meta-data/instance-id", "i-0abc");
        imds.setItem("meta-data/autoscaling/target-lifecycle-state", "InService");
        Map<String, String> env = new HashMap<>();
        env.put("ECS_CONTAINER_METADATA_URI_V4", metadata.uri().toString());
        env.put("ECS_AGENT_URI", agent.uri().toString());
        env.put("HOLDLINE_ECS_ENDPOINT", ecs.uri().toString());
        env.put("HOLDLINE_IMDS_ENDPOINT", imds.uri().toString());
        env.put("HOLDLINE_DEPLOYMENT_POLL", "300ms");
        env.put("HOLDLINE_TERMINATION_POLL", "300ms");
        env.put("HOLDLINE_PROTECTION_IDLE_GRACE", "1s");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEFAKE");
        env.put("AWS_SECRET_ACCESS_KEY", "fake-secret-key");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        return env;
    }

    @Test
    void protectionIsOnWhileASessionRunsAndOffAfterTheIdleGrace() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> release.await()).env(awsEnv()));
        assertTrue(!agent.enabled());
        fx.dispatch("room-p", "alpha", "");
        await().atMost(Duration.ofSeconds(10)).until(agent::enabled);
        assertEquals(60, agent.expiresInMinutes().orElseThrow(), "protection asked for with the default 60 min expiry");
        try (HttpClient http = HttpClient.newHttpClient()) {
            JsonNode doc = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + w.healthPort() + "/worker")).build(), HttpResponse.BodyHandlers.ofString()).body());
            JsonNode protection = doc.path("aws").path("task_protection");
            assertTrue(protection.path("wanted").asBoolean() && protection.path("enabled").asBoolean(), doc.toString());
            assertTrue(doc.path("aws").path("facts").asText().contains("holdline-workers"), doc.toString());
        }
        long puts = agent.puts();
        release.countDown();
        long idleAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> !agent.enabled());
        long offAfterMs = (System.nanoTime() - idleAt) / 1_000_000;
        assertTrue(offAfterMs >= 900, "protection dropped " + offAfterMs + " ms after idle, before the 1 s grace");
        assertEquals(puts + 1, agent.puts(), "one clear call, no flapping");
    }

    @Test
    void aNewPrimaryDeploymentDrainsTheWorkerWhichClearsProtectionWhenTheCallEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> release.await()).env(awsEnv()));
        fx.dispatch("room-d", "alpha", "");
        await().atMost(Duration.ofSeconds(10)).until(agent::enabled);

        ecs.startDeployment("voice", "holdline-workers", TD_8);
        await().atMost(Duration.ofSeconds(10)).until(() -> w.state() == LifecycleState.DRAINING);
        assertTrue(agent.enabled(), "still protected while the call runs");
        assertEquals(1, w.activeSessions());

        release.countDown();
        assertTrue(w.awaitTermination(Duration.ofSeconds(15)), "the worker stops when its last call ends");
        assertTrue(!agent.enabled(), "protection is cleared before exit");
    }

    @Test
    void theAgentEndpointFailingNeverTouchesTheCall() throws Exception {
        agent.failAll(true);
        CountDownLatch release = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> release.await()).env(awsEnv()));
        fx.dispatch("room-f", "alpha", "");
        await().atMost(Duration.ofSeconds(10)).until(() -> w.activeSessions() == 1);
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + w.healthPort() + "/worker")).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).path("aws").path("task_protection").path("consecutive_failures").asInt() > 0);
        }
        assertEquals(1, w.activeSessions(), "the call runs on");
        assertTrue(!agent.enabled());
        // Recovery after the breaker's cooldown is covered by ProtectionPolicyTest with a test clock.
        agent.failAll(false);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> w.activeSessions() == 0);
    }
}
