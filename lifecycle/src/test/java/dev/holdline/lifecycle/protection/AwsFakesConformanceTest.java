package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.aws.Imds;
import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.lifecycle.awsfakes.FakeAutoScaling;
import dev.holdline.lifecycle.awsfakes.FakeEcsAgentEndpoint;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
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

    @Nested
    class EcsAgentTaskProtectionEndpoint {
        final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        FakeEcsAgentEndpoint agent;
        HttpClient http;
        URI state;

        @BeforeEach
        void start() {
            agent = FakeEcsAgentEndpoint.start();
            http = HttpClient.newHttpClient();
            state = URI.create(agent.uri() + "/task-protection/v1/state");
        }

        @AfterEach
        void stop() {
            http.close();
            agent.close();
        }

        private HttpResponse<String> put(String body) throws Exception {
            return http.send(HttpRequest.newBuilder(state).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }

        private HttpResponse<String> get() throws Exception {
            return http.send(HttpRequest.newBuilder(state).GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        @Test
        void putAndGetAnswerTheProtectionObject() throws Exception {
            assertTrue(agent.uri().toString().matches("http://127\\.0\\.0\\.1:\\d+/api/[^/]+"), agent.uri().toString());
            HttpResponse<String> on = put("{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":60}");
            assertEquals(200, on.statusCode());
            assertEquals("application/json", on.headers().firstValue("Content-Type").orElseThrow());
            JsonNode p = json.readTree(on.body()).get("protection");
            assertTrue(p.get("ProtectionEnabled").asBoolean());
            assertEquals(agent.taskArn(), p.get("TaskArn").asText());
            Instant expires = Instant.parse(p.get("ExpirationDate").asText());
            assertTrue(Duration.between(Instant.now(), expires).toMinutes() >= 59, expires.toString());
            assertEquals(Optional.of(60), agent.expiresInMinutes());
            assertEquals(on.body(), get().body());

            put("{\"ProtectionEnabled\":true}");
            assertEquals(Optional.of(120), agent.expiresInMinutes(), "the agent's default");
            JsonNode off = json.readTree(put("{\"ProtectionEnabled\":false}").body()).get("protection");
            assertFalse(off.get("ProtectionEnabled").asBoolean());
            assertTrue(off.get("ExpirationDate").isNull());
            assertFalse(agent.enabled());
            assertEquals(Optional.empty(), agent.expiresInMinutes());
            assertEquals(4, agent.requests().size());
            assertEquals("GET", agent.requests().get(1));
        }

        @Test
        void invalidRequestsAreRejectedLikeTheAgentDoes() throws Exception {
            for (String bad : List.of("{\"ProtectionEnabled\":true,\"Unknown\":1}", "{\"ExpiresInMinutes\":5}",
                    "{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":0}", "{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":2881}",
                    "not json")) {
                HttpResponse<String> r = put(bad);
                assertEquals(400, r.statusCode(), bad);
                assertEquals("InvalidParameterException", json.readTree(r.body()).at("/error/Code").asText(), bad);
            }
            assertFalse(agent.enabled());
            HttpResponse<String> wrongPath = http.send(HttpRequest.newBuilder(agent.uri().resolve("/api/nope/task-protection/v1/state"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, wrongPath.statusCode());
        }

        @Test
        void faultsAnswerOneRequestEachAndLeaveTheStateAlone() throws Exception {
            agent.replyFailureNext("TASK_NOT_VALID");
            agent.replyErrorNext(400, "AccessDeniedException", "no");
            HttpResponse<String> failure = put("{\"ProtectionEnabled\":true}");
            assertEquals(200, failure.statusCode());
            assertEquals("TASK_NOT_VALID", json.readTree(failure.body()).at("/failure/Reason").asText());
            assertEquals(agent.taskArn(), json.readTree(failure.body()).at("/failure/Arn").asText());
            HttpResponse<String> error = put("{\"ProtectionEnabled\":true}");
            assertEquals(400, error.statusCode());
            JsonNode e = json.readTree(error.body());
            assertEquals("AccessDeniedException", e.at("/error/Code").asText());
            assertEquals("no", e.at("/error/Message").asText());
            assertFalse(e.get("requestID").asText().isEmpty());
            assertFalse(agent.enabled());

            agent.failAll(true);
            assertEquals(500, get().statusCode());
            assertEquals("ServerException", json.readTree(get().body()).at("/error/Code").asText());
            agent.failAll(false);
            assertEquals(200, put("{\"ProtectionEnabled\":true}").statusCode());
            assertTrue(agent.enabled());

            agent.delayNext(Duration.ofSeconds(2));
            try (HttpClient impatient = HttpClient.newHttpClient()) {
                assertThrows(java.net.http.HttpTimeoutException.class, () -> impatient.send(
                        HttpRequest.newBuilder(state).timeout(Duration.ofMillis(200)).GET().build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
        }
    }
}
