package dev.holdline.lifecycle.aws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
    private static Process moto;
    private static URI endpoint;
    private static EcsClient ecs;

    @BeforeAll
    static void startMoto() throws IOException {
        Optional<Path> executable = onPath("moto_server");
        if (executable.isEmpty()) {
            return; // each test skips, with the reason, in requireMoto()
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        endpoint = URI.create("http://127.0.0.1:" + port);
        File log = new File("target/moto-server.log");
        log.getParentFile().mkdirs();
        moto = new ProcessBuilder(executable.get().toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log).start();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build()) {
            await("moto_server answering on " + endpoint).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!moto.isAlive()) {
                            throw new IllegalStateException("moto_server exited with " + moto.exitValue() + "; see " + log);
                        }
                        try {
                            return http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).timeout(Duration.ofSeconds(1)).GET().build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        }
        // moto loads its ECS backend on the first call, which takes seconds on a small machine.
        ecs = AwsTestSupport.ecs(endpoint, Duration.ofSeconds(20));
    }

    @BeforeEach
    void requireMoto() {
        Assumptions.assumeTrue(moto != null,
                "moto_server is not on the PATH: skipping the moto conformance check (pip install 'moto[server]')");
    }

    @AfterAll
    static void stopMoto() throws InterruptedException {
        if (ecs != null) {
            ecs.close();
        }
        if (moto != null) {
            List<ProcessHandle> children = moto.descendants().toList();
            moto.destroy();
            if (!moto.waitFor(5, TimeUnit.SECONDS)) {
                moto.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                child.destroyForcibly();
            }
            assertTrue(!moto.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive), "moto_server left running");
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
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
