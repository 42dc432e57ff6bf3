package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.holdline.lifecycle.awsfakes.FakeEcsAgentEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The policy end to end through real HTTP: {@link EcsTaskProtection} against the fake ECS agent,
 * with the test owning time ({@link ManualTime}) and synchronising with the policy's thread through
 * {@link ProtectionPolicy#settle}.
 */
class ProtectionPolicyTest {
    private static final String ON_60 = "PUT {\"ProtectionEnabled\":true,\"ExpiresInMinutes\":60}";
    private static final String OFF = "PUT {\"ProtectionEnabled\":false}";

    FakeEcsAgentEndpoint agent;
    ManualTime time;
    ProtectionPolicy policy;
    LogCapture logs;
    Instant t0;

    @BeforeEach
    void start() {
        agent = FakeEcsAgentEndpoint.start();
        time = new ManualTime();
        t0 = time.instant();
        logs = new LogCapture(ProtectionPolicy.class);
    }

    @AfterEach
    void stop() {
        if (policy != null) {
            policy.close();
        }
        agent.close();
        logs.close();
        assertNoPolicyThreadsLeft();
    }

    private ProtectionPolicy policy(Duration requestTimeout) {
        policy = ProtectionPolicy.builder(EcsTaskProtection.create(agent.uri(), requestTimeout))
                .timer(time).clock(time).build();
        settle();
        return policy;
    }

    private ProtectionPolicy policy() {
        return policy(Duration.ofSeconds(2));
    }

    private void settle() {
        assertTrue(policy.settle(Duration.ofSeconds(5)), "policy thread did not settle");
    }

    private void advance(Duration d) {
        time.advance(d);
        settle();
    }

    /** Threads this package's code and the fakes start; all must be gone after close (the timer's may take a moment). */
    static void assertNoPolicyThreadsLeft() {
        org.awaitility.Awaitility.await("threads left behind").atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(Set.of(), liveThreads()));
    }

    static Set<String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("holdline-protection") || n.startsWith("holdline-ecs-protection")
                        || n.startsWith("fake-ecs-agent") || n.startsWith("fake-autoscaling") || n.startsWith("fake-imds"))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Nested
    class Sequence {
        @Test
        void idleFirstSessionRenewalLastSessionThenOffOnlyAfterTheGrace() {
            policy();
            assertEquals(List.of(), agent.requests(), "an idle worker makes no call");
            assertFalse(policy.status().wanted());

            policy.busy(true);
            settle();
            assertEquals(List.of(ON_60), agent.requests());
            assertTrue(agent.enabled());
            assertEquals(Optional.of(60), agent.expiresInMinutes());
            ProtectionStatus on = policy.status();
            assertTrue(on.wanted());
            assertTrue(on.enabled());
            assertEquals(Optional.of(t0.plus(Duration.ofMinutes(60))), on.expiresAt());
            assertEquals("CLOSED", on.circuit());
            assertTrue(on.backend().contains(agent.taskArn()), on.backend());

            advance(Duration.ofMinutes(29).plusSeconds(59));
            assertEquals(1, agent.puts(), "no renewal before half the expiry");
            advance(Duration.ofSeconds(1));
            assertEquals(List.of(ON_60, ON_60), agent.requests(), "renewed at half the expiry");
            assertEquals(Optional.of(t0.plus(Duration.ofMinutes(90))), policy.status().expiresAt());
            advance(Duration.ofMinutes(30));
            assertEquals(3, agent.puts(), "renewed again 30 min later");

            policy.busy(false);
            settle();
            advance(Duration.ofSeconds(29));
            assertEquals(3, agent.puts(), "still protected within the idle grace");
            assertTrue(policy.status().enabled());
            advance(Duration.ofSeconds(1));
            assertEquals(OFF, agent.requests().getLast());
            assertFalse(agent.enabled());
            ProtectionStatus off = policy.status();
            assertFalse(off.wanted());
            assertFalse(off.enabled());
            assertEquals(Optional.empty(), off.expiresAt());
            assertEquals(Optional.empty(), off.lastError());

            advance(Duration.ofHours(3));
            assertEquals(4, agent.puts(), "nothing more while idle: no renewal, no repeated clear");
            assertEquals(List.of("Scale-in protection on: " + on.backend() + ", until " + on.expiresAt().get()
                    + " unless renewed", "Scale-in protection off: " + on.backend()), logs.at(Level.INFO));
        }

        @Test
        void busyAgainWithinTheGraceKeepsProtectionAndMakesNoCall() {
            policy();
            policy.busy(true);
            settle();
            for (int i = 0; i < 5; i++) {
                policy.busy(false);
                settle();
                advance(Duration.ofSeconds(20));
                policy.busy(true);
                settle();
            }
            advance(Duration.ofSeconds(60));
            assertEquals(List.of(ON_60), agent.requests());
            assertTrue(policy.status().enabled());
        }

        @Test
        void clearBeforeExitTurnsProtectionOffAtOnceAndLaterBusyChangesNothing() {
            policy();
            policy.busy(true);
            settle();
            assertTrue(policy.clearBeforeExit(Duration.ofSeconds(2)));
            assertEquals(List.of(ON_60, OFF), agent.requests());
            assertFalse(policy.status().enabled());
            assertFalse(policy.status().wanted());
            policy.busy(true);
            settle();
            advance(Duration.ofHours(1));
            assertEquals(2, agent.puts());
        }

        @Test
        void clearBeforeExitRetriesWithinItsTimeout() {
            policy = ProtectionPolicy.builder(EcsTaskProtection.create(agent.uri(), Duration.ofSeconds(2)))
                    .timer(time).clock(time).retry(5, Duration.ofMillis(20), Duration.ofMillis(50)).build();
            policy.busy(true);
            settle();
            agent.replyErrorNext(500, "ServerException", "boom");
            assertTrue(policy.clearBeforeExit(Duration.ofSeconds(5)));
            assertEquals(List.of(ON_60, OFF, OFF), agent.requests());
            assertFalse(agent.enabled());
        }

        @Test
        void clearBeforeExitIsBoundedWhenTheAgentHangs() {
            policy(Duration.ofSeconds(10));
            policy.busy(true);
            settle();
            agent.delayNext(Duration.ofSeconds(5));
            long start = System.nanoTime();
            assertFalse(policy.clearBeforeExit(Duration.ofMillis(300)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "bounded by its timeout");
        }

        @Test
        void aRestartedWorkerThatStaysIdleClearsLeftoverProtectionOnceAfterTheGrace() {
            policy();
            advance(Duration.ofSeconds(30));
            assertEquals(List.of(OFF), agent.requests());
            advance(Duration.ofHours(2));
            assertEquals(1, agent.puts());
            assertTrue(policy.clearBeforeExit(Duration.ofSeconds(1)));
            assertEquals(1, agent.puts(), "confirmed off already: nothing to clear at exit");
        }

        @Test
        void protectionThatCannotBeRenewedLapsesInTheStatus() {
            policy = ProtectionPolicy.builder(EcsTaskProtection.create(agent.uri(), Duration.ofSeconds(2)))
                    .timer(time).clock(time).expiry(Duration.ofMinutes(4)).build();
            policy.busy(true);
            settle();
            assertEquals(Optional.of(4), agent.expiresInMinutes());
            agent.failAll(true);
            advance(Duration.ofMinutes(2));
            assertTrue(policy.status().enabled(), "still on until it expires");
            advance(Duration.ofMinutes(4)); // retries, then a try after each cooldown, some past the expiry
            ProtectionStatus s = policy.status();
            assertFalse(s.enabled());
            assertTrue(s.wanted());
            assertTrue(s.consecutiveFailures() >= 2);
            assertTrue(logs.at(Level.WARN).stream().anyMatch(m -> m.contains("lapsed")), logs.at(Level.WARN).toString());
        }
    }

    @Nested
    class Faults {
        @Test
        void throttlingIsRetriedWithBackoffThenSucceeds() {
            policy();
            agent.replyErrorNext(400, "ThrottlingException", "Rate exceeded");
            policy.busy(true);
            settle();
            ProtectionStatus failed = policy.status();
            assertFalse(failed.enabled());
            assertEquals(1, failed.consecutiveFailures());
            assertTrue(failed.lastError().orElseThrow().contains("throttled"), failed.lastError().toString());
            assertEquals(1, agent.puts(), "not retried at once");
            Duration backoff = time.pendingDelays().getFirst();
            assertTrue(backoff.compareTo(Duration.ofMillis(500)) >= 0 && backoff.compareTo(Duration.ofMillis(1500)) <= 0,
                    "first retry after 1 s ± 50 %, was " + backoff);
            advance(backoff);
            assertEquals(2, agent.puts());
            ProtectionStatus ok = policy.status();
            assertTrue(ok.enabled());
            assertEquals(0, ok.consecutiveFailures());
            assertEquals(Optional.empty(), ok.lastError());
            assertTrue(logs.at(Level.WARN).getFirst().contains("Rate exceeded"), logs.at(Level.WARN).toString());
            assertEquals(List.of(), logs.at(Level.ERROR));
        }

        @Test
        void serverErrorsBackOffExponentiallyWithJitter() {
            policy();
            agent.replyErrorNext(500, "ServerException", "Service Unavailable");
            agent.replyErrorNext(500, "ServerException", "Service Unavailable");
            agent.replyErrorNext(500, "ServerException", "Service Unavailable");
            policy.busy(true);
            settle();
            List<Duration> delays = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Duration d = time.pendingDelays().getFirst();
                delays.add(d);
                advance(d);
            }
            assertEquals(4, agent.puts());
            assertTrue(policy.status().enabled());
            assertInRange(delays.get(0), 500, 1500);
            assertInRange(delays.get(1), 1000, 3000);
            assertInRange(delays.get(2), 2000, 6000);
            assertEquals(3, logs.at(Level.WARN).size());
        }

        @Test
        void aPersistentlyFailingAgentOpensTheCircuitThenRecovers() {
            policy();
            agent.failAll(true);
            policy.busy(true);
            settle();
            for (int i = 0; i < 4; i++) {
                advance(time.pendingDelays().getFirst());
            }
            assertEquals(4, agent.puts(), "the circuit opens after 4 failures; the 5th attempt is not made");
            ProtectionStatus open = policy.status();
            assertEquals("OPEN", open.circuit());
            assertEquals(4, open.consecutiveFailures());
            assertTrue(open.lastError().orElseThrow().contains("ServerException"), open.lastError().toString());
            assertFalse(open.enabled());

            agent.failAll(false);
            advance(ProtectionPolicy.DEFAULT_COOLDOWN.minusSeconds(1));
            assertEquals(4, agent.puts(), "nothing while the circuit is open");
            advance(Duration.ofSeconds(1));
            assertEquals(5, agent.puts(), "one trial call after the cooldown");
            assertEquals("CLOSED", policy.status().circuit());
            assertTrue(policy.status().enabled());
        }

        @Test
        void aTimeoutIsRetried() {
            policy(Duration.ofMillis(300));
            agent.delayNext(Duration.ofSeconds(3));
            policy.busy(true);
            settle();
            ProtectionStatus s = policy.status();
            assertFalse(s.enabled());
            assertTrue(s.lastError().orElseThrow().contains("did not answer within"), s.lastError().toString());
            advance(time.pendingDelays().getFirst());
            assertTrue(policy.status().enabled());
            assertEquals(2, agent.puts());
        }

        @Test
        void aFailureReplyIsNotRetriedAndShowsInTheStatus() {
            policy();
            agent.replyFailureNext("TASK_NOT_VALID");
            policy.busy(true);
            settle();
            advance(Duration.ofSeconds(59));
            assertEquals(1, agent.puts(), "not retried");
            ProtectionStatus s = policy.status();
            assertFalse(s.enabled());
            assertTrue(s.wanted());
            assertEquals("OPEN", s.circuit());
            assertTrue(s.lastError().orElseThrow().contains("TASK_NOT_VALID"), s.lastError().toString());
            assertEquals(1, logs.at(Level.ERROR).size());
        }

        @Test
        void accessDeniedIsNotRetriedLogsErrorOnceNamingTheIamActionAndHealsAfterTheCooldown() {
            policy();
            agent.replyErrorNext(400, "AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/worker/x"
                    + " is not authorized to perform: ecs:UpdateTaskProtection");
            agent.replyErrorNext(403, "AccessDeniedException", "Invalid Request: no task IAM role credentials available for task");
            policy.busy(true);
            settle();
            advance(Duration.ofSeconds(59));
            assertEquals(1, agent.puts(), "not retried with backoff");
            ProtectionStatus s = policy.status();
            assertEquals("OPEN", s.circuit());
            assertTrue(s.lastError().orElseThrow().contains("ecs:UpdateTaskProtection"), s.lastError().toString());
            assertEquals(1, s.consecutiveFailures());
            List<String> errors = logs.at(Level.ERROR);
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.getFirst().contains("ecs:UpdateTaskProtection"), errors.getFirst());
            assertTrue(errors.getFirst().contains("not retried"), errors.getFirst());

            advance(Duration.ofSeconds(1));
            assertEquals(2, agent.puts(), "tried again after the cooldown (the role may have been fixed)");
            assertEquals(1, logs.at(Level.ERROR).size(), "the same kind of failure is logged at ERROR once");
            assertTrue(policy.status().lastError().orElseThrow().contains("no task IAM role credentials"));

            advance(ProtectionPolicy.DEFAULT_COOLDOWN);
            assertEquals(3, agent.puts());
            assertTrue(policy.status().enabled());
            assertEquals("CLOSED", policy.status().circuit());
        }

        @Test
        void idleAndBusyAgainWhileTheCircuitIsOpenDoNotPostponeTheTrialCall() {
            policy();
            agent.replyErrorNext(400, "AccessDeniedException", "not authorized to perform: ecs:UpdateTaskProtection");
            policy.busy(true);
            settle();
            advance(Duration.ofSeconds(20));
            policy.busy(false);
            settle();
            advance(Duration.ofSeconds(30)); // the grace ends: nothing to clear, it never got on
            assertEquals(1, agent.puts());
            advance(Duration.ofSeconds(5));
            policy.busy(true);
            settle();
            assertEquals(1, agent.puts(), "the circuit is still open");
            advance(Duration.ofSeconds(5));
            assertEquals(2, agent.puts(), "tried when the circuit's open time ends, 60 s after the failure");
            assertTrue(policy.status().enabled());
            assertEquals("CLOSED", policy.status().circuit());
        }

        @Test
        void theCallerOfBusyNeitherBlocksNorSeesFailures() throws Exception {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger calls = new AtomicInteger();
            ProtectionBackend stuck = new ProtectionBackend() {
                @Override
                public String describe() {
                    return "stuck backend";
                }

                @Override
                public void setProtected(boolean enabled, Duration expiry) {
                    calls.incrementAndGet();
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalStateException("backend bug");
                }
            };
            policy = ProtectionPolicy.builder(stuck).timer(time).clock(time).build();
            policy.busy(true);
            assertTrue(entered.await(5, TimeUnit.SECONDS));
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
                for (int i = 0; i < 10_000; i++) {
                    policy.busy(i % 2 == 0);
                }
                policy.status();
            }, "busy() blocked while the backend hung");
            release.countDown();
            settle();
            ProtectionStatus s = policy.status();
            assertTrue(s.lastError().orElseThrow().contains("backend bug"), s.lastError().toString());
            assertEquals(1, s.consecutiveFailures());
            policy.close();
            assertDoesNotThrow(() -> policy.busy(true));
            assertDoesNotThrow(() -> policy.busy(false));
        }

        private static void assertInRange(Duration d, long minMillis, long maxMillis) {
            assertTrue(d.toMillis() >= minMillis && d.toMillis() <= maxMillis,
                    d + " not within " + minMillis + ".." + maxMillis + " ms");
        }
    }

    @Nested
    class Setup {
        @Test
        void noneMakesNoCallsStartsNoThreadAndSaysWhyOnce() {
            policy = ProtectionPolicy.none("ECS_AGENT_URI is not set");
            policy.busy(true);
            ProtectionStatus s = policy.status();
            assertTrue(s.wanted());
            assertFalse(s.enabled());
            assertEquals("DISABLED", s.circuit());
            assertTrue(s.backend().contains("ECS_AGENT_URI is not set"), s.backend());
            assertTrue(policy.clearBeforeExit(Duration.ofSeconds(1)));
            // DEBUG: the start-up facts line already says what is off and why.
            assertEquals(List.of("Scale-in protection is off: ECS_AGENT_URI is not set"), logs.at(Level.DEBUG));
            assertEquals(List.of(), agent.requests());
        }

        @Test
        void fromEnvironmentPicksEcsTaskProtectionWhereTheAgentUriIsSet() {
            policy = ProtectionPolicy.fromEnvironment(Map.of(EcsTaskProtection.AGENT_URI_ENV, agent.uri().toString()));
            policy.busy(true);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(agent::enabled);
            assertTrue(policy.status().backend().startsWith("ECS task protection"));
            assertTrue(policy.clearBeforeExit(Duration.ofSeconds(5)));
            assertFalse(agent.enabled());
            policy.close();

            policy = ProtectionPolicy.fromEnvironment(Map.of());
            assertEquals("DISABLED", policy.status().circuit());
            assertTrue(policy.status().backend().contains("ECS_AGENT_URI"));
        }

        @Test
        void unsafeOptionsAreRefusedWithTheRange() {
            ProtectionBackend b = new NoProtection("test");
            IllegalArgumentException shortExpiry = assertThrows(IllegalArgumentException.class,
                    () -> ProtectionPolicy.builder(b).expiry(Duration.ofMinutes(1)).build());
            assertTrue(shortExpiry.getMessage().contains("2 min to 48 h"), shortExpiry.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ProtectionPolicy.builder(b).expiry(Duration.ofHours(49)).build());
            assertThrows(IllegalArgumentException.class, () -> ProtectionPolicy.builder(b).idleGrace(Duration.ofSeconds(-1)).build());
            assertThrows(IllegalArgumentException.class,
                    () -> ProtectionPolicy.builder(b).retry(0, Duration.ofSeconds(1), Duration.ofSeconds(2)).build());
            assertThrows(IllegalArgumentException.class,
                    () -> ProtectionPolicy.builder(b).retry(3, Duration.ofSeconds(2), Duration.ofSeconds(1)).build());
        }
    }
}
