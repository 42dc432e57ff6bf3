package dev.holdline.lifecycle.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.awsfakes.MotoServer;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;

/**
 * The deployment watcher's {@code DescribeServices} against moto's ECS — a second opinion on the
 * wire shapes, from an implementation we did not write. Runs {@code moto_server} as a child process
 * on 127.0.0.1 and a free port; skipped with a reason where it is not on the PATH. (moto's
 * {@code UpdateService} does not start a new deployment, so the out-of-date case uses a service
 * created on a newer revision than the task's.)
 */
class DeploymentWatcherMotoTest {
    private static MotoServer moto;
    private static EcsClient ecs;

    @BeforeAll
    static void startMoto() throws IOException {
        moto = MotoServer.startIfInstalled().orElse(null);
        if (moto != null) {
            // moto loads its ECS backend on the first call, which takes seconds on a small machine.
            ecs = AwsTestSupport.ecs(moto.endpoint(), Duration.ofSeconds(20));
        }
    }

    @BeforeEach
    void requireMoto() {
        Assumptions.assumeTrue(moto != null, MotoServer.SKIP_REASON);
    }

    @AfterAll
    static void stopMoto() throws InterruptedException {
        if (ecs != null) {
            ecs.close();
        }
        if (moto != null) {
            assertTrue(moto.stop(), "moto_server left running");
        }
    }

    /** Creates a cluster, task definition revisions 1..revisions and a service on {@code serviceRevision}. */
    private static void createService(String cluster, String family, int revisions, String service, int serviceRevision) {
        ecs.createCluster(b -> b.clusterName(cluster));
        for (int i = 0; i < revisions; i++) {
            ecs.registerTaskDefinition(b -> b.family(family).containerDefinitions(ContainerDefinition.builder()
                    .name("worker").image("holdline/worker:latest").memory(512).essential(true).build()));
        }
        ecs.createService(b -> b.cluster(cluster).serviceName(service).taskDefinition(family + ":" + serviceRevision)
                .desiredCount(1));
    }

    private static EcsTaskMetadata task(String cluster, String family, String revision, String service) {
        return new EcsTaskMetadata(cluster, "arn:aws:ecs:us-east-1:123456789012:task/" + cluster + "/abcdef0123456789",
                family, revision, "EC2", "us-east-1a", service);
    }

    private static DeploymentWatcher poll(EcsTaskMetadata task, List<String> drains, TestTimer timer) {
        DeploymentWatcher watcher = DeploymentWatcher.builder(ecs, task, drains::add).timer(timer).clock(timer.clock())
                .firstPollDelay(Duration.ZERO).retry(AwsTestSupport.FAST_RETRY).start();
        timer.runDue();
        return watcher;
    }

    @Test
    void aTaskOnThePrimaryTaskDefinitionStays() {
        createService("moto-same", "holdline-same", 1, "worker", 1);
        List<String> drains = new CopyOnWriteArrayList<>();
        TestTimer timer = new TestTimer();
        try (DeploymentWatcher watcher = poll(task("moto-same", "holdline-same", "1", "worker"), drains, timer)) {
            timer.advance(DeploymentWatcher.DEFAULT_POLL_INTERVAL);
            assertEquals(List.of(), drains);
            assertEquals(Optional.of("holdline-same:1"), watcher.status().primaryTaskDefinition());
            assertEquals(Optional.empty(), watcher.status().lastError());
        }
    }

    @Test
    void aTaskBehindThePrimaryTaskDefinitionDrains() {
        createService("moto-behind", "holdline-behind", 2, "worker", 2);
        List<String> drains = new CopyOnWriteArrayList<>();
        TestTimer timer = new TestTimer();
        try (DeploymentWatcher watcher = poll(task("moto-behind", "holdline-behind", "1", "worker"), drains, timer)) {
            assertEquals(1, drains.size());
            assertTrue(drains.get(0).matches("deployment ecs-svc/\\d+ runs holdline-behind:2, this task runs holdline-behind:1"),
                    drains.get(0));
            assertTrue(watcher.status().outOfDate());
        }
    }

    @Test
    void aMissingServiceIsAFailureNotADrain() {
        createService("moto-missing", "holdline-missing", 1, "worker", 1);
        List<String> drains = new CopyOnWriteArrayList<>();
        TestTimer timer = new TestTimer();
        try (DeploymentWatcher watcher = poll(task("moto-missing", "holdline-missing", "1", "not-there"), drains, timer)) {
            assertEquals(List.of(), drains);
            assertTrue(watcher.status().lastError().orElseThrow().contains("MISSING"), watcher.status().toString());
        }
    }
}
