package dev.holdline.lifecycle.aws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.holdline.lifecycle.awsfakes.FakeAutoScaling;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/** The instance termination watcher against {@link FakeImds} and {@link FakeAutoScaling}; the test owns the clock. */
class InstanceTerminationWatcherTest {
    private static final String STATE = InstanceTerminationWatcher.TARGET_LIFECYCLE_STATE;
    private static final Duration POLL = InstanceTerminationWatcher.DEFAULT_POLL_INTERVAL;
    private static final Duration BEAT = InstanceTerminationWatcher.DEFAULT_HEARTBEAT_INTERVAL;
    private static final Duration RETRY_WAITS = Duration.ofSeconds(1);
    private static final String INSTANCE = "i-0abc123def4567890";
    private static final LifecycleHook HOOK = new LifecycleHook("holdline-drain", "holdline-asg", INSTANCE);
    private static final String BEAT_ENTRY = "holdline-drain/holdline-asg/" + INSTANCE;

    private FakeImds imdsServer;
    private Imds imds;
    private final TestTimer timer = new TestTimer();
    private final List<String> drains = new CopyOnWriteArrayList<>();
    private InstanceTerminationWatcher watcher;
    private LogCapture logs;

    @BeforeEach
    void startImds() {
        imdsServer = FakeImds.start();
        imds = new Imds(imdsServer.uri(), Duration.ofSeconds(1));
        logs = new LogCapture(InstanceTerminationWatcher.class);
    }

    @AfterEach
    void stopImds() {
        if (watcher != null) {
            watcher.close();
        }
        logs.close();
        imds.close();
        imdsServer.close();
    }

    private InstanceTerminationWatcher.Builder builder() {
        return InstanceTerminationWatcher.builder(imds, drains::add).timer(timer).clock(timer.clock())
                .retry(AwsTestSupport.FAST_RETRY);
    }

    @Nested
    class WithoutAHook {
        @Test
        void anInServiceInstanceIsLeftAloneAndTheTokenIsReused() {
            imdsServer.setItem(STATE, "InService");
            watcher = builder().start();
            timer.runDue();
            for (int i = 0; i < 3; i++) {
                timer.advance(POLL);
            }
            assertEquals(List.of(), drains);
            assertEquals(1, imdsServer.tokenRequests(), "IMDSv2: one token, then reused");
            InstanceTerminationWatcher.Status status = watcher.status();
            assertEquals(Optional.of("InService"), status.lifecycleState());
            assertTrue(status.watching());
            assertFalse(status.terminating());
            assertEquals(Optional.of(timer.instant()), status.lastPollAt());
        }

        @Test
        void terminatedStartsTheDrainOnceAndPollingStops() throws InterruptedException {
            imdsServer.setItem(STATE, "InService");
            watcher = builder().start();
            timer.runDue();
            imdsServer.setItem(STATE, "Terminated");
            timer.advance(POLL);

            assertEquals(1, drains.size());
            assertTrue(drains.get(0).contains("Auto Scaling is terminating this instance")
                    && drains.get(0).contains("Terminated"), drains.get(0));
            assertTrue(watcher.status().terminating());
            assertFalse(watcher.status().watching());
            timer.advance(POLL.multipliedBy(10));
            assertEquals(1, drains.size());
            assertEquals(0, timer.pending(), "nothing left to do without a hook");
            assertTrue(watcher.awaitHookSettled(Duration.ZERO));
        }

        @Test
        void terminatedMatchesInAnyCaseButWarmPoolStatesAreNotTermination() {
            imdsServer.setItem(STATE, "Warmed:Terminated");
            watcher = builder().start();
            timer.runDue();
            for (String state : List.of("Warmed:Running", "Warmed:Stopped", "Warmed:Hibernated", "Standby", "Detached")) {
                imdsServer.setItem(STATE, state);
                timer.advance(POLL);
            }
            assertEquals(List.of(), drains);
            imdsServer.setItem(STATE, "TERMINATED");
            timer.advance(POLL);
            assertEquals(1, drains.size());
        }

        @Test
        void noLifecycleStateIsPolledQuietly() {
            watcher = builder().start();
            timer.runDue();
            timer.advance(POLL.multipliedBy(3));
            assertEquals(List.of(), drains);
            assertEquals(Optional.empty(), watcher.status().lifecycleState());
            assertEquals(Optional.empty(), watcher.status().lastError());
            assertEquals(List.of(), logs.at(Level.WARN));
            assertEquals(4, logs.at(Level.DEBUG).stream().filter(l -> l.contains("404")).count());

            imdsServer.setItem(STATE, "Terminated");
            timer.advance(POLL);
            assertEquals(1, drains.size());
        }

        @Test
        void anUnreachableImdsIsWarnedAboutOnceThenAtDebug() throws IOException {
            URI closedPort;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = URI.create("http://127.0.0.1:" + s.getLocalPort());
            }
            try (Imds unreachable = new Imds(closedPort, Duration.ofMillis(500))) {
                watcher = InstanceTerminationWatcher.builder(unreachable, drains::add).timer(timer).clock(timer.clock()).start();
                timer.runDue();
                timer.advance(POLL.multipliedBy(3));
                assertEquals(1, logs.at(Level.WARN).size(), logs.at(Level.WARN).toString());
                assertTrue(logs.at(Level.WARN).get(0).contains("hop limit"), logs.at(Level.WARN).get(0));
                assertEquals(3, logs.at(Level.DEBUG).stream().filter(l -> l.startsWith("Still cannot read")).count());
                assertTrue(watcher.status().lastError().orElseThrow().contains(STATE));
                assertTrue(watcher.status().watching());
                assertEquals(List.of(), drains);
            }
        }

        @Test
        void aClosedWatcherPollsNoMore() {
            imdsServer.setItem(STATE, "InService");
            watcher = builder().start();
            timer.runDue();
            watcher.close();
            imdsServer.setItem(STATE, "Terminated");
            timer.advance(POLL.multipliedBy(3));
            assertEquals(List.of(), drains);
            assertFalse(watcher.status().watching());
        }

        @Test
        void theWatcherRunsOnADaemonThreadOfItsOwnThatCloseStops() {
            imdsServer.setItem(STATE, "InService");
            watcher = InstanceTerminationWatcher.builder(imds, drains::add).pollInterval(Duration.ofMillis(50)).start();
            await().atMost(Duration.ofSeconds(5)).until(() -> watcher.status().lifecycleState().isPresent());
            imdsServer.setItem(STATE, "Terminated");
            await().atMost(Duration.ofSeconds(5)).until(() -> drains.size() == 1);
            assertTrue(DeploymentWatcherTest.threadAlive("holdline-instance-watcher"));
            watcher.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> !DeploymentWatcherTest.threadAlive("holdline-instance-watcher"));
        }

        @Test
        void heartbeatIntervalsNoHookCanHonourAreRefused() {
            assertThrows(IllegalArgumentException.class, () -> builder().heartbeatInterval(Duration.ofSeconds(7200)).start());
            assertThrows(IllegalArgumentException.class, () -> builder().heartbeatInterval(Duration.ZERO).start());
            assertThrows(IllegalArgumentException.class, () -> builder().pollInterval(Duration.ofSeconds(-5)).start());
        }
    }

    @Nested
    class WithALifecycleHook {
        private FakeAutoScaling asgServer;
        private AutoScalingClient autoScaling;

        @BeforeEach
        void startAutoScaling() {
            asgServer = FakeAutoScaling.start();
            asgServer.addInstance(INSTANCE, "holdline-asg");
            autoScaling = AwsTestSupport.autoScaling(asgServer.uri());
            imdsServer.setItem(STATE, "InService");
        }

        @AfterEach
        void stopAutoScaling() {
            if (watcher != null) {
                watcher.close();
            }
            autoScaling.close();
            asgServer.close();
        }

        private void startTerminating(HookCompletion completion) {
            watcher = builder().lifecycleHook(HOOK, autoScaling, completion).start();
            timer.runDue();
            assertEquals(List.of(), asgServer.actions(), "no Auto Scaling call before termination");
            imdsServer.setItem(STATE, "Terminated");
            timer.advance(POLL);
            assertEquals(1, drains.size());
            assertTrue(drains.get(0).contains(INSTANCE), drains.get(0));
        }

        @Test
        void itHeartbeatsWhileBusyAndCompletesOnceWhenIdle() throws InterruptedException {
            startTerminating(HookCompletion.COMPLETE_WHEN_IDLE);
            assertEquals(List.of(BEAT_ENTRY), asgServer.heartbeats(), "a heartbeat at once");
            timer.advance(BEAT);
            timer.advance(BEAT);
            assertEquals(Collections.nCopies(3, BEAT_ENTRY), asgServer.heartbeats());
            assertEquals(3, watcher.status().heartbeats());
            assertEquals(List.of(), asgServer.completions());

            watcher.workerIdle();
            watcher.workerIdle();
            assertFalse(watcher.awaitHookSettled(Duration.ZERO), "the completion runs on the watcher's timer");
            timer.runDue();
            assertTrue(watcher.awaitHookSettled(Duration.ZERO));
            assertEquals(List.of(new FakeAutoScaling.Completion("holdline-drain", "holdline-asg", INSTANCE, "CONTINUE")),
                    asgServer.completions());
            assertTrue(watcher.status().hookCompleted());

            timer.advance(BEAT.multipliedBy(5));
            assertEquals(3, asgServer.heartbeats().size(), "no heartbeat after completion");
            assertEquals(1, asgServer.completions().size(), "completed once");
            assertEquals(0, timer.pending());
        }

        @Test
        void aWorkerIdleBeforeTerminationCompletesAtOnce() {
            watcher = builder().lifecycleHook(HOOK, autoScaling, HookCompletion.COMPLETE_WHEN_IDLE).start();
            timer.runDue();
            watcher.workerIdle();
            timer.runDue();
            assertEquals(List.of(), asgServer.actions());
            imdsServer.setItem(STATE, "Terminated");
            timer.advance(POLL);
            assertEquals(List.of("CompleteLifecycleAction"), asgServer.actions());
            assertEquals(1, drains.size());
        }

        @Test
        void withSeveralTasksPerInstanceItStopsHeartbeatingInsteadOfCompleting() throws InterruptedException {
            startTerminating(HookCompletion.EXPIRE_AFTER_LAST_HEARTBEAT);
            timer.advance(BEAT);
            assertEquals(2, asgServer.heartbeats().size());
            watcher.workerIdle();
            timer.runDue();
            timer.advance(BEAT.multipliedBy(5));
            assertEquals(2, asgServer.heartbeats().size(), "heartbeats stop when idle");
            assertTrue(watcher.awaitHookSettled(Duration.ZERO));
            assertEquals(List.of(), asgServer.completions(), "the hook expires; no task completes it");
            assertTrue(logs.at(Level.INFO).stream().anyMatch(l -> l.contains("heartbeat timeout runs out")));
            assertEquals(0, timer.pending());
        }

        @Test
        void throttledHeartbeatsAreRetriedWithJitter() {
            asgServer.failNext(400, "Throttling", "Rate exceeded");
            startTerminating(HookCompletion.COMPLETE_WHEN_IDLE);
            assertEquals(List.of(), asgServer.heartbeats());
            timer.advance(RETRY_WAITS);
            assertEquals(List.of(BEAT_ENTRY), asgServer.heartbeats());
            assertEquals(List.of("RecordLifecycleActionHeartbeat", "RecordLifecycleActionHeartbeat"), asgServer.actions());
            assertEquals(Optional.empty(), watcher.status().lastError());
        }

        @Test
        void aCompletionThatFailsEveryTryIsTriedAgainAtTheNextTick() {
            startTerminating(HookCompletion.COMPLETE_WHEN_IDLE);
            for (int i = 0; i < 3; i++) {
                asgServer.failNext(500, "InternalFailure", "We encountered an internal error");
            }
            watcher.workerIdle();
            timer.advance(RETRY_WAITS);
            assertEquals(List.of(), asgServer.completions());
            assertTrue(watcher.status().lastError().orElseThrow().contains("InternalFailure"), watcher.status().toString());
            assertTrue(logs.at(Level.WARN).stream().anyMatch(l -> l.startsWith("CompleteLifecycleAction failed after 3 tries")));

            timer.advance(BEAT);
            assertEquals(1, asgServer.completions().size());
            assertEquals(1, asgServer.heartbeats().size(), "no heartbeat once idle");
            assertEquals(Optional.empty(), watcher.status().lastError());
        }

        @Test
        void aCompletionRefusedOutrightIsNotRepeated() throws InterruptedException {
            startTerminating(HookCompletion.COMPLETE_WHEN_IDLE);
            asgServer.failNext(400, "ValidationError", "No active Lifecycle Action found with instance ID " + INSTANCE);
            watcher.workerIdle();
            timer.advance(BEAT.multipliedBy(3));
            assertEquals(List.of("RecordLifecycleActionHeartbeat", "CompleteLifecycleAction"), asgServer.actions());
            assertTrue(watcher.status().lastError().orElseThrow().contains("No active Lifecycle Action"));
            assertTrue(watcher.awaitHookSettled(Duration.ZERO), "nothing more to do");
        }

        @Test
        void aWorkerCanWaitForTheCompletionBeforeItExits() throws InterruptedException {
            watcher = InstanceTerminationWatcher.builder(imds, drains::add).pollInterval(Duration.ofMillis(50))
                    .lifecycleHook(HOOK, autoScaling, HookCompletion.COMPLETE_WHEN_IDLE).start();
            imdsServer.setItem(STATE, "Terminated");
            await().atMost(Duration.ofSeconds(5)).until(() -> watcher.status().heartbeats() == 1);
            watcher.workerIdle();
            assertTrue(watcher.awaitHookSettled(Duration.ofSeconds(5)));
            assertEquals(1, asgServer.completions().size());
            watcher.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> !DeploymentWatcherTest.threadAlive("holdline-instance-watcher"));
        }

        @Test
        void itNeedsTheHookActionsItUses() {
            assertEquals(Set.of("autoscaling:RecordLifecycleActionHeartbeat", "autoscaling:CompleteLifecycleAction"),
                    InstanceTerminationWatcher.requiredIamActions(HookCompletion.COMPLETE_WHEN_IDLE));
            assertEquals(Set.of("autoscaling:RecordLifecycleActionHeartbeat"),
                    InstanceTerminationWatcher.requiredIamActions(HookCompletion.EXPIRE_AFTER_LAST_HEARTBEAT));
        }

        @Test
        void theHookIsFoundFromImdsAndAutoScaling() throws Exception {
            imdsServer.setItem("meta-data/instance-id", INSTANCE);
            assertEquals(HOOK, LifecycleHook.discover("holdline-drain", imds, autoScaling));
            imdsServer.setItem("meta-data/instance-id", "i-0notinanygroup000");
            assertThrows(IllegalStateException.class, () -> LifecycleHook.discover("holdline-drain", imds, autoScaling));
        }
    }
}
