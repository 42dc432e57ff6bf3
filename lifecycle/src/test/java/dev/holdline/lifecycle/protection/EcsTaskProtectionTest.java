package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.awsfakes.FakeEcsAgentEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ECS agent's task protection endpoint through real HTTP, against the fake agent. */
class EcsTaskProtectionTest {
    FakeEcsAgentEndpoint agent;
    EcsTaskProtection ecs;

    @BeforeEach
    void start() {
        agent = FakeEcsAgentEndpoint.start();
        ecs = EcsTaskProtection.create(agent.uri(), Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        ecs.close();
        agent.close();
        ProtectionPolicyTest.assertNoPolicyThreadsLeft();
    }

    @Test
    void setsAndClearsProtectionUnderTheAgentUriPath() throws Exception {
        assertTrue(agent.uri().getPath().startsWith("/api/"), agent.uri().toString());
        assertEquals(URI.create(agent.uri() + "/task-protection/v1/state"), ecs.endpoint());
        assertTrue(ecs.describe().contains(agent.uri().toString()), "before any answer it names the endpoint");

        ecs.setProtected(true, Duration.ofMinutes(60));
        assertTrue(agent.enabled());
        assertEquals(Optional.of(60), agent.expiresInMinutes());
        assertTrue(ecs.currentlyProtected());
        assertEquals("ECS task protection (" + agent.taskArn() + ")", ecs.describe());

        ecs.setProtected(false, Duration.ofMinutes(60));
        assertFalse(agent.enabled());
        assertFalse(ecs.currentlyProtected());
        assertEquals(List.of("PUT {\"ProtectionEnabled\":true,\"ExpiresInMinutes\":60}", "GET",
                "PUT {\"ProtectionEnabled\":false}", "GET"), agent.requests());
    }

    @Test
    void aTrailingSlashInTheAgentUriIsFine() throws Exception {
        try (EcsTaskProtection slash = EcsTaskProtection.create(URI.create(agent.uri() + "/"), Duration.ofSeconds(2))) {
            slash.setProtected(true, Duration.ofMinutes(5));
            assertTrue(agent.enabled());
        }
    }

    @Test
    void expiresInMinutesIsRoundedUpAndClampedToWhatEcsAccepts() {
        assertEquals(1, EcsTaskProtection.expiresInMinutes(Duration.ZERO));
        assertEquals(1, EcsTaskProtection.expiresInMinutes(Duration.ofSeconds(30)));
        assertEquals(2, EcsTaskProtection.expiresInMinutes(Duration.ofSeconds(61)));
        assertEquals(60, EcsTaskProtection.expiresInMinutes(Duration.ofMinutes(60)));
        assertEquals(2880, EcsTaskProtection.expiresInMinutes(Duration.ofDays(3)));
    }

    @Test
    void fromEnvironmentNeedsTheAgentUri() {
        assertEquals(Optional.empty(), EcsTaskProtection.fromEnvironment(Map.of(), Duration.ofSeconds(1)));
        try (EcsTaskProtection fromEnv = EcsTaskProtection.fromEnvironment(
                Map.of("ECS_AGENT_URI", agent.uri().toString()), Duration.ofSeconds(1)).orElseThrow()) {
            assertEquals(ecs.endpoint(), fromEnv.endpoint());
        }
    }

    @Test
    void serverErrorsThrottlingTimeoutsAndAnUnreachableAgentAreRetryable() {
        agent.replyErrorNext(500, "ServerException", "Service Unavailable. Please try again later.");
        ProtectionException server = assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1)));
        assertTrue(server.retryable());
        assertTrue(server.getMessage().contains("HTTP 500 ServerException: Service Unavailable"), server.getMessage());

        agent.replyErrorNext(400, "ThrottlingException", "Rate exceeded");
        ProtectionException throttled = assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1)));
        assertTrue(throttled.retryable());
        assertTrue(throttled.getMessage().startsWith("throttled"), throttled.getMessage());

        agent.replyErrorNext(504, "RequestCanceled", "Timed out calling ECS Task Protection API");
        assertTrue(assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1))).retryable());

        try (EcsTaskProtection impatient = EcsTaskProtection.create(agent.uri(), Duration.ofMillis(200))) {
            agent.delayNext(Duration.ofSeconds(3));
            ProtectionException timeout = assertThrows(ProtectionException.class,
                    () -> impatient.setProtected(true, Duration.ofHours(1)));
            assertTrue(timeout.retryable());
            assertTrue(timeout.getMessage().contains("did not answer within PT0.2S"), timeout.getMessage());
        }
        assertFalse(agent.enabled(), "no fault changed the state");

        agent.close();
        ProtectionException down = assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1)));
        assertTrue(down.retryable());
        assertTrue(down.getMessage().contains("could not reach the ECS agent"), down.getMessage());
    }

    @Test
    void accessDeniedNamesTheIamActionAndIsNotRetryable() {
        agent.replyErrorNext(400, "AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/r/x is not"
                + " authorized to perform: ecs:UpdateTaskProtection on resource: " + agent.taskArn());
        ProtectionException denied = assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1)));
        assertFalse(denied.retryable());
        assertTrue(denied.getMessage().startsWith("access denied: the task role lacks ecs:UpdateTaskProtection"),
                denied.getMessage());

        agent.replyErrorNext(403, "AccessDeniedException", "Invalid Request: no task IAM role credentials available for task");
        ProtectionException noRole = assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1)));
        assertFalse(noRole.retryable());
        assertTrue(noRole.getMessage().contains("ecs:UpdateTaskProtection") && noRole.getMessage().contains("HTTP 403"),
                noRole.getMessage());

        agent.replyErrorNext(400, "AccessDeniedException", "not authorized to perform: ecs:GetTaskProtection");
        ProtectionException get = assertThrows(ProtectionException.class, ecs::currentlyProtected);
        assertTrue(get.getMessage().contains("lacks ecs:GetTaskProtection"), get.getMessage());
        assertEquals("ECS task protection (" + agent.taskArn() + ")", ecs.describe(), "the error's Arn names the task");
    }

    @Test
    void aFailureReplyWithStatus200IsNotRetryable() {
        agent.replyFailureNext("TASK_NOT_VALID");
        ProtectionException failure = assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1)));
        assertFalse(failure.retryable());
        assertTrue(failure.getMessage().contains("ECS refused task protection: TASK_NOT_VALID"), failure.getMessage());
        assertTrue(failure.getMessage().contains("only tasks that belong to an ECS service"), failure.getMessage());
    }

    @Test
    void aRejectedRequestOrAWrongPathIsNotRetryable() {
        agent.replyErrorNext(400, "InvalidParameterException", "UpdateTaskProtection: failed to decode request");
        assertFalse(assertThrows(ProtectionException.class, () -> ecs.setProtected(true, Duration.ofHours(1))).retryable());
        try (EcsTaskProtection wrong = EcsTaskProtection.create(agent.uri().resolve("/api/other-task"), Duration.ofSeconds(2))) {
            ProtectionException notFound = assertThrows(ProtectionException.class, () -> wrong.setProtected(true, Duration.ofHours(1)));
            assertFalse(notFound.retryable());
            assertTrue(notFound.getMessage().contains("HTTP 404"), notFound.getMessage());
        }
    }

    @Test
    void closingLeavesNoHttpClientThreads() throws Exception {
        long before = selectorThreads();
        EcsTaskProtection extra = EcsTaskProtection.create(agent.uri(), Duration.ofSeconds(2));
        extra.setProtected(true, Duration.ofMinutes(5));
        extra.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> selectorThreads() <= before);
    }

    private static long selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().contains("SelectorManager")).count();
    }
}
