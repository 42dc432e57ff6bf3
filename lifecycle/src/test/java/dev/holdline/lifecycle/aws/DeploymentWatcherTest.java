package dev.holdline.lifecycle.aws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.holdline.lifecycle.awsfakes.FakeEcsApi;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.EcsClient;

/** The deployment watcher against {@link FakeEcsApi} through the real AWS SDK; the test owns the clock. */
class DeploymentWatcherTest {
    private static final String CLUSTER = "holdline-prod";
    private static final String SERVICE = "holdline-worker";
    private static final Duration INTERVAL = DeploymentWatcher.DEFAULT_POLL_INTERVAL;
    /** Covers every retry wait of {@link AwsTestSupport#FAST_RETRY} (at most 100 + 200 ms, ± 50 %). */
    private static final Duration RETRY_WAITS = Duration.ofSeconds(1);

    private FakeEcsApi ecsApi;
    private EcsClient ecs;
    private final TestTimer timer = new TestTimer();
    private final List<String> drains = new CopyOnWriteArrayList<>();
    private DeploymentWatcher watcher;
    private LogCapture logs;

    @BeforeEach
    void start() {
        ecsApi = FakeEcsApi.start();
        ecsApi.setService(CLUSTER, SERVICE, FakeEcsApi.taskDefinitionArn("holdline", 7));
        ecs = AwsTestSupport.ecs(ecsApi.uri());
        logs = new LogCapture(DeploymentWatcher.class);
    }

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
        logs.close();
        ecs.close();
        ecsApi.close();
    }

    private static EcsTaskMetadata task(String revision, String service) {
        return new EcsTaskMetadata("arn:aws:ecs:us-east-1:123456789012:cluster/" + CLUSTER,
                "arn:aws:ecs:us-east-1:123456789012:task/" + CLUSTER + "/0f3c5a0e1d2b4c6a8e9f7a6b5c4d3e2f",
                "holdline", revision, "EC2", "us-east-1a", service);
    }

    private DeploymentWatcher watch(EcsTaskMetadata task) {
        watcher = DeploymentWatcher.builder(ecs, task, drains::add)
                .timer(timer).clock(timer.clock()).firstPollDelay(Duration.ZERO).retry(AwsTestSupport.FAST_RETRY)
                .start();
        return watcher;
    }

    @Test
    void aTaskRunningThePrimaryTaskDefinitionIsNeverDrained() {
        watch(task("7", SERVICE));
        timer.runDue();
        for (int i = 0; i < 3; i++) {
            timer.advance(INTERVAL);
        }
        assertEquals(4, ecsApi.describeCalls(), "one poll at start, then one per interval");
        assertEquals(List.of(), drains);
        DeploymentWatcher.Status status = watcher.status();
        assertTrue(status.watching());
        assertFalse(status.outOfDate());
        assertEquals(Optional.of("holdline:7"), status.primaryTaskDefinition());
        assertEquals(Optional.empty(), status.lastError());
        assertEquals(Optional.of(timer.instant()), status.lastPollAt());
    }

    @Test
    void aNewDeploymentDrainsTheTaskOnceNamingBothTaskDefinitions() {
        watch(task("7", SERVICE));
        timer.runDue();
        ecsApi.startDeployment(CLUSTER, SERVICE, FakeEcsApi.taskDefinitionArn("holdline", 8));
        timer.advance(INTERVAL);

        assertEquals(1, drains.size(), drains.toString());
        String reason = drains.get(0);
        assertTrue(reason.matches("deployment ecs-svc/\\d+ runs holdline:8, this task runs holdline:7"), reason);
        DeploymentWatcher.Status status = watcher.status();
        assertTrue(status.outOfDate());
        assertFalse(status.watching(), "a drain is one-way: polling stops");
        assertEquals(Optional.of("holdline:8"), status.primaryTaskDefinition());

        int calls = ecsApi.describeCalls();
        timer.advance(INTERVAL.multipliedBy(5));
        assertEquals(calls, ecsApi.describeCalls());
        assertEquals(1, drains.size());
        assertEquals(0, timer.pending());
    }

    @Test
    void aThrottledPollIsRetriedWithinThePoll() {
        watch(task("7", SERVICE));
        ecsApi.failNext(400, "ThrottlingException", "Rate exceeded");
        timer.runDue();
        assertEquals(1, ecsApi.describeCalls());
        timer.advance(RETRY_WAITS);
        assertEquals(2, ecsApi.describeCalls(), "retried after a jittered wait");
        assertEquals(Optional.empty(), watcher.status().lastError());
        assertEquals(0, watcher.status().failedPolls());
        assertEquals(List.of(), drains);
    }

    @Test
    void aPollThatFailsEveryTryIsShownAndLoggedButNeverDrains() {
        watch(task("7", SERVICE));
        ecsApi.startDeployment(CLUSTER, SERVICE, FakeEcsApi.taskDefinitionArn("holdline", 8));
        for (int i = 0; i < 3; i++) {
            ecsApi.failNext(500, "ServerException", "Service Unavailable");
        }
        timer.runDue();
        timer.advance(RETRY_WAITS);

        assertEquals(3, ecsApi.describeCalls(), "three tries");
        assertEquals(List.of(), drains, "a failed poll never drains");
        DeploymentWatcher.Status status = watcher.status();
        assertTrue(status.lastError().orElseThrow().contains("ServerException"), status.toString());
        assertEquals(1, status.failedPolls());
        assertTrue(status.watching());
        assertEquals(1, logs.at(Level.WARN).size());
        assertTrue(logs.at(Level.WARN).get(0).contains("ServerException"), logs.at(Level.WARN).toString());

        timer.advance(INTERVAL);
        assertEquals(4, ecsApi.describeCalls(), "polling goes on");
        assertEquals(1, drains.size(), "the next good poll sees the deployment");
    }

    @Test
    void aPollThatTimesOutIsRetriedAndTheNextPollSucceeds() {
        watch(task("7", SERVICE));
        for (int i = 0; i < 3; i++) {
            ecsApi.delayNext(Duration.ofSeconds(3));
        }
        timer.runDue();
        timer.advance(RETRY_WAITS);

        assertEquals(3, ecsApi.describeCalls());
        DeploymentWatcher.Status status = watcher.status();
        assertTrue(status.lastError().orElseThrow().contains("Timeout"), status.toString());
        assertEquals(List.of(), drains);

        timer.advance(INTERVAL);
        assertEquals(Optional.empty(), watcher.status().lastError());
        assertEquals(Optional.of("holdline:7"), watcher.status().primaryTaskDefinition());
        assertEquals(List.of(), drains);
    }

    @Test
    void accessDeniedIsNotRetriedAndNamesThePermission() {
        watch(task("7", SERVICE));
        ecsApi.failNext(400, "AccessDeniedException", "User is not authorized to perform: ecs:DescribeServices");
        timer.runDue();
        timer.advance(RETRY_WAITS);

        assertEquals(1, ecsApi.describeCalls(), "another try would be denied the same way");
        String error = watcher.status().lastError().orElseThrow();
        assertTrue(error.contains("AccessDeniedException") && error.contains("the task role needs ecs:DescribeServices"), error);
        assertEquals(List.of(), drains);
    }

    @Test
    void aMissingServiceIsLoggedAndPollingGoesOn() {
        watch(task("7", "holdline-gone"));
        timer.runDue();
        timer.advance(INTERVAL);

        assertEquals(2, ecsApi.describeCalls());
        assertEquals(List.of(), drains);
        String error = watcher.status().lastError().orElseThrow();
        assertTrue(error.contains("holdline-gone") && error.contains("MISSING"), error);
        assertTrue(logs.at(Level.WARN).stream().allMatch(l -> l.contains("MISSING")), logs.at(Level.WARN).toString());
        assertEquals(2, logs.at(Level.WARN).size());
    }

    @Test
    void aTaskOutsideAServiceHasTheWatcherOff() {
        watch(task("7", ""));
        timer.advance(INTERVAL.multipliedBy(3));

        assertEquals(0, ecsApi.describeCalls());
        DeploymentWatcher.Status status = watcher.status();
        assertFalse(status.watching());
        assertTrue(status.offReason().orElseThrow().contains("not part of an ECS service"));
        List<String> info = logs.at(Level.INFO);
        assertEquals(1, info.size(), info.toString());
        assertTrue(info.get(0).startsWith("Deployment watcher off"), info.get(0));
    }

    @Test
    void aClosedWatcherPollsNoMore() {
        watch(task("7", SERVICE));
        timer.runDue();
        watcher.close();
        ecsApi.startDeployment(CLUSTER, SERVICE, FakeEcsApi.taskDefinitionArn("holdline", 8));
        timer.advance(INTERVAL.multipliedBy(3));

        assertEquals(1, ecsApi.describeCalls());
        assertEquals(List.of(), drains);
        assertFalse(watcher.status().watching());
    }

    @Test
    void theWatcherRunsOnADaemonThreadOfItsOwnThatCloseStops() {
        watcher = DeploymentWatcher.builder(ecs, task("7", SERVICE), drains::add)
                .pollInterval(Duration.ofMillis(100)).firstPollDelay(Duration.ZERO).start();
        ecsApi.startDeployment(CLUSTER, SERVICE, FakeEcsApi.taskDefinitionArn("holdline", 9));
        await().atMost(Duration.ofSeconds(5)).until(() -> drains.size() == 1);
        assertTrue(drains.get(0).endsWith("runs holdline:9, this task runs holdline:7"), drains.get(0));
        assertTrue(threadAlive("holdline-deployment-watcher"));
        watcher.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !threadAlive("holdline-deployment-watcher"));
    }

    @Test
    void optionsThatCannotWorkAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> DeploymentWatcher.builder(ecs, task("7", SERVICE), drains::add).pollInterval(Duration.ZERO).start());
        assertThrows(IllegalArgumentException.class, () -> DeploymentWatcher.builder(ecs, task("7", SERVICE), drains::add)
                .firstPollDelay(Duration.ofSeconds(-1)).start());
        assertThrows(IllegalArgumentException.class, () -> DeploymentWatcher.builder(ecs,
                new EcsTaskMetadata(CLUSTER, "", "", "", "EC2", "", SERVICE), drains::add).timer(timer).start());
    }

    @Test
    void itNeedsOnlyDescribeServices() {
        assertEquals(Set.of("ecs:DescribeServices"), DeploymentWatcher.requiredIamActions());
    }

    @Test
    void theTaskDefinitionIsTheTailOfItsArn() {
        assertEquals("holdline:8", DeploymentWatcher.tail("arn:aws:ecs:eu-west-1:111122223333:task-definition/holdline:8"));
        assertEquals("holdline:8", DeploymentWatcher.tail("holdline:8"));
    }

    static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
