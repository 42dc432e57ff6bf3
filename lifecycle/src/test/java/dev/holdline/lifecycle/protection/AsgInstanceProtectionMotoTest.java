package dev.holdline.lifecycle.protection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.aws.Imds;
import dev.holdline.lifecycle.awsfakes.FakeImds;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;

/**
 * {@link AsgInstanceProtection} against moto's Auto Scaling (a second, independent implementation
 * of the Query protocol): a launch configuration, a group with one instance, then protection set,
 * read back with {@code DescribeAutoScalingInstances}, and cleared. moto runs as a child process on
 * 127.0.0.1; the test skips where {@code moto_server} is not on the PATH.
 */
class AsgInstanceProtectionMotoTest {
    private static final String GROUP = "holdline-moto-workers";

    private static Process moto;
    private static Path motoLog;
    private static URI endpoint;

    @BeforeAll
    static void startMoto() throws IOException {
        Optional<Path> executable = onPath("moto_server");
        if (executable.isEmpty()) {
            return; // each test skips, saying why
        }
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        motoLog = Files.createTempFile("moto-server", ".log");
        moto = new ProcessBuilder(executable.get().toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(motoLog.toFile()).start();
        endpoint = URI.create("http://127.0.0.1:" + port);
        Awaitility.await("moto_server listening on " + endpoint).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!moto.isAlive()) {
                        throw new IllegalStateException("moto_server exited: " + Files.readString(motoLog));
                    }
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (moto == null) {
            return;
        }
        List<ProcessHandle> children = moto.descendants().toList();
        moto.destroy();
        if (!moto.waitFor(5, TimeUnit.SECONDS)) {
            moto.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        children.forEach(ProcessHandle::destroyForcibly);
        assertFalse(moto.isAlive(), "moto_server left running");
        Files.deleteIfExists(motoLog);
    }

    @BeforeEach
    void needsMoto() {
        Assumptions.assumeTrue(moto != null,
                "moto_server is not on the PATH: skipping the moto conformance check (pip install 'moto[server]')");
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

    @Test
    void setsAndClearsInstanceProtectionInMoto() throws Exception {
        String instanceId;
        try (AutoScalingClient setup = TestAws.autoScaling(endpoint)) {
            setup.createLaunchConfiguration(r -> r.launchConfigurationName("holdline-lc")
                    .imageId("ami-12c6146b").instanceType("t3.micro"));
            setup.createAutoScalingGroup(r -> r.autoScalingGroupName(GROUP).launchConfigurationName("holdline-lc")
                    .minSize(1).maxSize(1).desiredCapacity(1).availabilityZones("us-east-1a"));
            List<AutoScalingInstanceDetails> instances = setup.describeAutoScalingInstances(r -> { })
                    .autoScalingInstances().stream().filter(i -> i.autoScalingGroupName().equals(GROUP)).toList();
            assertEquals(1, instances.size(), instances.toString());
            instanceId = instances.getFirst().instanceId();
        }

        try (FakeImds imdsServer = FakeImds.start(); Imds imds = new Imds(imdsServer.uri(), Duration.ofSeconds(2));
             AutoScalingClient reader = TestAws.autoScaling(endpoint)) {
            imdsServer.setItem("meta-data/instance-id", instanceId);
            try (AsgInstanceProtection protection = AsgInstanceProtection.resolve(imds, TestAws.autoScaling(endpoint))) {
                assertEquals(instanceId, protection.instanceId());
                assertEquals(GROUP, protection.groupName());

                protection.setProtected(true, Duration.ofMinutes(60));
                assertTrue(protectedFromScaleIn(reader, instanceId));
                protection.setProtected(false, Duration.ofMinutes(60));
                assertFalse(protectedFromScaleIn(reader, instanceId));
            }
        }
    }

    private static boolean protectedFromScaleIn(AutoScalingClient client, String instanceId) {
        return client.describeAutoScalingInstances(r -> r.instanceIds(instanceId))
                .autoScalingInstances().getFirst().protectedFromScaleIn();
    }
}
