package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Settings checked as a whole before any CDK class is touched; each refusal names the option and the fix. */
class StackPlanTest {
    private static final Path PROFILES = Synthesized.resource("profiles.yaml");

    private static StackPlan plan(UnaryOperator<SynthSettings.Builder> settings) {
        return StackPlan.of(settings.apply(SynthSettings.builder(PROFILES)).build());
    }

    private static List<String> refused(UnaryOperator<SynthSettings.Builder> settings) {
        SynthRefusedException e = assertThrows(SynthRefusedException.class, () -> plan(settings));
        e.getMessage().lines().forEach(l -> assertTrue(l.startsWith(SynthRefusedException.PREFIX), l));
        e.problems().forEach(p -> assertTrue(p.contains("Fix:"), "no fix in: " + p));
        return e.problems();
    }

    private static void assertRefused(String expectedFragment, UnaryOperator<SynthSettings.Builder> settings) {
        List<String> problems = refused(settings);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expectedFragment)), expectedFragment + " not in " + problems);
    }

    @Test
    void defaults() {
        StackPlan p = plan(b -> b);
        assertEquals(915, p.drain().stopTimeoutSeconds());
        assertEquals(4096, p.taskCpu());
        assertEquals(6848, p.taskMemoryMiB());
        assertFalse(p.arm64());
        assertEquals(Optional.empty(), p.hook());
        assertEquals(20, p.asgMaxInstances());
        assertFalse(p.importsVpc());
        assertEquals(Optional.empty(), p.ecrImage());
    }

    @Test
    void hookCompletionFollowsTasksPerInstance() {
        assertEquals(StackPlan.HookCompletion.COMPLETE_WHEN_IDLE, plan(b -> b.lifecycleHook(true)).hook().orElseThrow().completion());
        StackPlan shared = plan(b -> b.lifecycleHook(true).tasksPerInstance(3));
        assertEquals(StackPlan.HookCompletion.EXPIRE_AFTER_LAST_HEARTBEAT, shared.hook().orElseThrow().completion());
        assertEquals("expire-after-last-heartbeat", shared.hook().orElseThrow().completion().value);
        assertEquals(Duration.ofSeconds(120), shared.hook().orElseThrow().heartbeatTimeout());
        assertEquals(7, shared.asgMaxInstances(), "2 x 10 tasks / 3 per instance, rounded up");
    }

    @Test
    void hookHeartbeatTimeoutBounds() {
        assertRefused("--lifecycle-hook-heartbeat-timeout 60s is outside 120s..7200s",
                b -> b.lifecycleHook(true).hookHeartbeatTimeout(Duration.ofSeconds(60)));
        assertRefused("outside 120s..7200s", b -> b.lifecycleHook(true).hookHeartbeatTimeout(Duration.ofHours(3)));
        assertRefused("--lifecycle-hook-heartbeat-timeout is set but --lifecycle-hook is not",
                b -> b.hookHeartbeatTimeout(Duration.ofSeconds(300)));
        assertEquals(Duration.ofMinutes(5),
                plan(b -> b.lifecycleHook(true).hookHeartbeatTimeout(Duration.ofMinutes(5))).hook().orElseThrow().heartbeatTimeout());
    }

    @Test
    void instanceTypesSynthCannotSizeNeedExplicitTaskSizes() {
        assertRefused("--instance-type t3.medium is not one whose size synth knows offline", b -> b.instanceType("t3.medium"));
        StackPlan p = plan(b -> b.instanceType("t3.medium").taskCpu(2048).taskMemoryMiB(3072));
        assertEquals(2048, p.taskCpu());
        assertEquals(3072, p.taskMemoryMiB());
        assertRefused("is not an EC2 instance type", b -> b.instanceType("huge"));
    }

    @Test
    void tasksThatDoNotFitAreRefused() {
        assertRefused("--task-cpu 8192 with --tasks-per-instance 1 does not fit a c7i.xlarge", b -> b.taskCpu(8192));
        assertRefused("--task-memory 8192 with --tasks-per-instance 1 does not fit a c7i.xlarge", b -> b.taskMemoryMiB(8192));
        assertRefused("less than 256", b -> b.tasksPerInstance(32));
        assertRefused("--tasks-per-instance 0 is less than 1", b -> b.tasksPerInstance(0));
    }

    @Test
    void liveKitSettings() {
        assertRefused("is not the complete ARN of a Secrets Manager secret",
                b -> b.livekitSecretArn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:holdline/livekit"));
        assertRefused("--livekit-url 'livekit.example.com' is not a LiveKit URL", b -> b.livekitUrl("livekit.example.com"));
        plan(b -> b.livekitSecretArn(Synthesized.SECRET_ARN).livekitUrl("wss://lk.example.com"));
    }

    @Test
    void anImportedVpcNeedsItsSubnetsAndTheirAzs() {
        assertRefused("--vpc-id needs --subnet-ids", b -> b.vpcId("vpc-0a1b2c3d4e5f67890"));
        assertRefused("--availability-zones lists 1 AZ(s) for 2 subnet(s)", b -> b.vpcId("vpc-0a1b2c3d4e5f67890")
                .subnetIds(List.of("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2")).availabilityZones(List.of("eu-west-1a")));
        assertRefused("go with --vpc-id, which is not set", b -> b.subnetIds(List.of("subnet-0aaaaaaaaaaaaaaa1")));
        assertRefused("--vpc-id 'my-vpc' is not a VPC id", b -> b.vpcId("my-vpc")
                .subnetIds(List.of("subnet-0aaaaaaaaaaaaaaa1")).availabilityZones(List.of("eu-west-1a")));
        assertTrue(plan(b -> b.vpcId("vpc-0a1b2c3d4e5f67890").subnetIds(List.of("subnet-0aaaaaaaaaaaaaaa1"))
                .availabilityZones(List.of("eu-west-1a"))).importsVpc());
    }

    @Test
    void scalingBounds() {
        assertRefused("--max-tasks 1 is less than --min-tasks 2", b -> b.maxTasks(1));
        assertRefused("--min-tasks 0 is less than 1", b -> b.minTasks(0));
        assertRefused("--cpu-target 95 is outside 10..90", b -> b.cpuTargetPercent(95));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        List<String> problems = refused(b -> b.maxTasks(0).cpuTargetPercent(5).agent("has space").stackName("1bad"));
        assertEquals(4, problems.size(), problems.toString());
    }

    @Test
    void theProfileFileIsCheckedFirst() {
        SynthRefusedException e = assertThrows(SynthRefusedException.class, () -> StackPlan.of(
                SynthSettings.builder(Synthesized.resource("profiles-too-long.yaml")).maxTasks(0).build()));
        assertTrue(e.getMessage().contains("profile 'overnight'"), e.getMessage());
    }

    @Test
    void ecrImagesAreRecognized() {
        StackPlan.EcrImage ecr = plan(b -> b.image(Synthesized.ECR_IMAGE)).ecrImage().orElseThrow();
        assertEquals("arn:aws:ecr:eu-west-1:123456789012:repository/holdline", ecr.repositoryArn());
        StackPlan.EcrImage digest = plan(b -> b.image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team/holdline@sha256:"
                + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")).ecrImage().orElseThrow();
        assertEquals("arn:aws-cn:ecr:cn-north-1:123456789012:repository/team/holdline", digest.repositoryArn());
        assertEquals(Optional.empty(), plan(b -> b.image("ghcr.io/example/holdline:1.0")).ecrImage());
        assertRefused("--image 'a b' is not an image URI", b -> b.image("a b"));
    }
}
