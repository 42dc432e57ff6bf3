package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.infra.cdk.Synthesized.Stack;
import dev.holdline.infra.cdk.Synthesized.Variant;
import dev.holdline.lifecycle.profile.DrainConfigGuard;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The synthesized template, read back as JSON: what keeps calls alive through deploys and
 * scale-in. Each variant is synthesized once for all test classes ({@link Synthesized}).
 */
class HoldlineStackTest {
    private static Stack defaults;
    private static Stack hookOne;
    private static Stack hookShared;

    @BeforeAll
    static void synthesize() {
        defaults = Synthesized.of(Variant.DEFAULTS);
        hookOne = Synthesized.of(Variant.HOOK_ONE_PER_INSTANCE);
        hookShared = Synthesized.of(Variant.HOOK_SHARED_INSTANCES);
    }

    // --- stopTimeout: one source of truth ------------------------------------------------------

    @Test
    void stopTimeoutIsTheLongestDrainPlusTheMargin() {
        assertEquals(915, defaults.container().path("StopTimeout").asInt());
        assertTrue(defaults.container().path("StopTimeout").isInt(), "StopTimeout is a number of seconds");
        assertEquals("915s", defaults.environment().get("HOLDLINE_STOP_TIMEOUT").asText());
        assertEquals("915", defaults.template().at("/Outputs/StopTimeout/Value").asText());
    }

    @Test
    void theWorkerAcceptsWhatTheTaskDefinitionGivesIt() {
        String value = defaults.environment().get(ProfileConfig.STOP_TIMEOUT_ENV).asText();
        assertEquals(Duration.ofSeconds(915), Durations.parse(value, ProfileConfig.STOP_TIMEOUT_ENV));
        // Exactly the worker's start-up check, with the container's environment and the same file.
        ProfileConfig asWorker = ProfileConfig.load(Synthesized.resource("profiles.yaml"),
                Map.of(ProfileConfig.STOP_TIMEOUT_ENV, value));
        DrainConfigGuard.check(asWorker, Optional.empty());
        assertEquals(SynthSettings.DEFAULT_PROFILES_PATH_IN_IMAGE, defaults.environment().get("HOLDLINE_PROFILES").asText());
    }

    @Test
    void aProfileChangeChangesStopTimeout() {
        Stack longer = Synthesized.of(Variant.LONGER_PROFILE);
        assertEquals(1215, longer.container().path("StopTimeout").asInt());
        assertEquals("1215s", longer.environment().get("HOLDLINE_STOP_TIMEOUT").asText());
        assertNotEquals(defaults.container().path("StopTimeout"), longer.container().path("StopTimeout"));
    }

    @Test
    void aStopTimeoutInTheFileIsUsedAsItIs() {
        Stack fileStop = Synthesized.of(Variant.FILE_STOP_TIMEOUT);
        assertEquals(1000, fileStop.container().path("StopTimeout").asInt());
        assertEquals("1000s", fileStop.environment().get("HOLDLINE_STOP_TIMEOUT").asText());
    }

    // --- the container ---------------------------------------------------------------------------

    @Test
    void theJvmRunsInExecFormBehindAnInit() {
        JsonNode c = defaults.container();
        assertTrue(c.at("/LinuxParameters/InitProcessEnabled").asBoolean(), "InitProcessEnabled");
        assertEquals(HoldlineStack.ENTRY_POINT, strings(c.path("EntryPoint")));
        assertEquals(List.of("start", "--agent", "hold"), strings(c.path("Command")));
        for (String field : List.of("EntryPoint", "Command")) {
            List<String> args = strings(c.path(field));
            assertFalse(args.isEmpty(), field);
            assertFalse(Set.of("sh", "/bin/sh", "bash", "/bin/bash").contains(args.get(0)), field + " starts a shell: " + args);
            assertFalse(args.contains("-c"), field + " has -c: " + args);
        }
        assertTrue(c.path("Essential").asBoolean());
    }

    @Test
    void healthCheckIsExecFormOnTheWorkersPort() {
        JsonNode hc = defaults.container().path("HealthCheck");
        List<String> command = strings(hc.path("Command"));
        assertEquals("CMD", command.get(0), "exec form (CMD, not CMD-SHELL)");
        assertTrue(command.contains("http://127.0.0.1:8081/"), command.toString());
        assertEquals(HoldlineStack.HEALTH_CHECK_COMMAND, command);
        assertTrue(hc.path("StartPeriod").asInt() > 0);
    }

    @Test
    void logsGoToCloudWatch() {
        JsonNode log = defaults.container().path("LogConfiguration");
        assertEquals("awslogs", log.path("LogDriver").asText());
        assertEquals("non-blocking", log.at("/Options/mode").asText());
        assertEquals(1, defaults.resources("AWS::Logs::LogGroup").size());
    }

    @Test
    void liveKitCredentialsComeFromSecretsManager() {
        for (Stack s : List.of(defaults, hookOne)) {
            Map<String, JsonNode> env = s.environment();
            assertFalse(env.containsKey("LIVEKIT_API_KEY"), "LIVEKIT_API_KEY in plain environment");
            assertFalse(env.containsKey("LIVEKIT_API_SECRET"), "LIVEKIT_API_SECRET in plain environment");
            List<String> names = new ArrayList<>();
            s.container().path("Secrets").forEach(secret -> names.add(secret.path("Name").asText()));
            assertEquals(List.of("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"), names);
            assertTrue(s.resources("AWS::SecretsManager::Secret").isEmpty(), "the stack creates no secret");
            assertFalse(s.text().contains("SecretString"), "no secret value in the template");
        }
        // A given ARN is referenced with the JSON key, and only the execution role may read it.
        JsonNode secrets = hookOne.container().path("Secrets");
        assertEquals(Synthesized.SECRET_ARN + ":LIVEKIT_API_KEY::", secrets.get(0).path("ValueFrom").asText());
        assertEquals(Synthesized.SECRET_ARN + ":LIVEKIT_API_SECRET::", secrets.get(1).path("ValueFrom").asText());
        String executionRole = hookOne.resource("AWS::ECS::TaskDefinition").at("/Properties/ExecutionRoleArn/Fn::GetAtt/0").asText();
        assertTrue(hookOne.statementsOf(executionRole).stream().anyMatch(st -> actions(st).contains("secretsmanager:GetSecretValue")
                && Synthesized.SECRET_ARN.equals(st.path("Resource").asText())));
        assertEquals(Synthesized.LIVEKIT_URL, hookOne.environment().get("LIVEKIT_URL").asText());
        // Left out: deploy-time parameters, the URL as plain environment.
        assertEquals("LiveKitUrl", defaults.environment().get("LIVEKIT_URL").path("Ref").asText());
        assertTrue(defaults.template().at("/Parameters/LiveKitSecretArn").isObject());
    }

    @Test
    void anEcrImageIsPulledFromItsRepositoryOnly() {
        assertEquals(Synthesized.ECR_IMAGE, hookOne.container().path("Image").asText());
        String executionRole = hookOne.resource("AWS::ECS::TaskDefinition").at("/Properties/ExecutionRoleArn/Fn::GetAtt/0").asText();
        JsonNode pull = hookOne.statementsOf(executionRole).stream()
                .filter(st -> actions(st).contains("ecr:BatchGetImage")).findFirst().orElseThrow();
        assertEquals("arn:aws:ecr:eu-west-1:123456789012:repository/holdline", pull.path("Resource").asText());
        assertEquals("WorkerImage", defaults.container().path("Image").path("Ref").asText());
    }

    @Test
    void taskDefinitionIsEc2OnlyAndNeverFargate() {
        for (Stack s : List.of(defaults, hookOne, hookShared)) {
            JsonNode td = s.resource("AWS::ECS::TaskDefinition").path("Properties");
            assertEquals(List.of("EC2"), strings(td.path("RequiresCompatibilities")));
            assertEquals("bridge", td.path("NetworkMode").asText());
            assertFalse(s.text().contains("FARGATE"), "template mentions FARGATE");
            assertFalse(s.resource("AWS::ECS::Service").path("Properties").has("LaunchType"),
                    "launch type comes from the capacity provider strategy");
        }
        JsonNode td = defaults.resource("AWS::ECS::TaskDefinition").path("Properties");
        assertEquals("4096", td.path("Cpu").asText());
        assertEquals("6848", td.path("Memory").asText());
        assertEquals(6848, defaults.container().path("Memory").asInt(), "the container's hard limit: what the JVM sizes its heap from");
    }

    // --- instances -------------------------------------------------------------------------------

    @Test
    void capacityProviderManagesScalingTerminationProtectionAndDraining() {
        JsonNode asgProvider = defaults.resource("AWS::ECS::CapacityProvider").at("/Properties/AutoScalingGroupProvider");
        assertEquals("ENABLED", asgProvider.path("ManagedTerminationProtection").asText());
        assertEquals("ENABLED", asgProvider.path("ManagedDraining").asText());
        assertEquals("ENABLED", asgProvider.at("/ManagedScaling/Status").asText());
        assertEquals(defaults.logicalId("AWS::AutoScaling::AutoScalingGroup"), asgProvider.at("/AutoScalingGroupArn/Ref").asText());
        JsonNode association = defaults.resource("AWS::ECS::ClusterCapacityProviderAssociations").path("Properties");
        assertEquals(defaults.logicalId("AWS::ECS::CapacityProvider"), association.at("/CapacityProviders/0/Ref").asText());
    }

    @Test
    void autoScalingGroupUsesALaunchTemplateAndProtectsNewInstances() {
        JsonNode asg = defaults.resource("AWS::AutoScaling::AutoScalingGroup").path("Properties");
        assertTrue(asg.path("NewInstancesProtectedFromScaleIn").asBoolean());
        assertEquals(defaults.logicalId("AWS::EC2::LaunchTemplate"), asg.at("/LaunchTemplate/LaunchTemplateId/Ref").asText());
        assertFalse(asg.has("LaunchConfigurationName"));
        assertTrue(defaults.resources("AWS::AutoScaling::LaunchConfiguration").isEmpty());
        assertEquals("0", asg.path("MinSize").asText());
        assertEquals("20", asg.path("MaxSize").asText(), "room for twice --max-tasks during a deploy");
    }

    @Test
    void launchTemplateRequiresImdsV2WithHopLimitTwo() {
        JsonNode data = defaults.resource("AWS::EC2::LaunchTemplate").at("/Properties/LaunchTemplateData");
        assertEquals("required", data.at("/MetadataOptions/HttpTokens").asText());
        assertEquals(2, data.at("/MetadataOptions/HttpPutResponseHopLimit").asInt());
        assertEquals("c7i.xlarge", data.path("InstanceType").asText());
        String ami = data.at("/ImageId/Ref").asText();
        assertEquals("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
                defaults.template().at("/Parameters/" + ami + "/Default").asText());
        assertFalse(data.path("UserData").toString().contains("iptables"), "containers must reach IMDS (termination watcher)");
        assertTrue(data.path("UserData").toString().contains("ECS_CLUSTER="));
    }

    // --- IAM -------------------------------------------------------------------------------------

    @Test
    void taskRoleAllowsTaskProtectionAndTheDeploymentWatcherScopedToTheCluster() {
        String role = defaults.resource("AWS::ECS::TaskDefinition").at("/Properties/TaskRoleArn/Fn::GetAtt/0").asText();
        List<JsonNode> statements = defaults.statementsOf(role);
        Set<String> allowed = new HashSet<>();
        for (JsonNode st : statements) {
            assertEquals("Allow", st.path("Effect").asText());
            List<String> actions = actions(st);
            allowed.addAll(actions);
            if (actions.stream().anyMatch(a -> a.startsWith("ecs:"))) {
                String resource = st.path("Resource").toString();
                assertNotEquals("\"*\"", resource, "ECS actions scoped, not *");
                assertTrue(resource.contains(defaults.logicalId("AWS::ECS::Cluster")), "scoped to this cluster: " + resource);
            }
        }
        assertTrue(allowed.containsAll(List.of("ecs:UpdateTaskProtection", "ecs:GetTaskProtection", "ecs:DescribeServices")),
                allowed.toString());
        assertTrue(allowed.stream().noneMatch(a -> a.startsWith("autoscaling:")), "no Auto Scaling actions without the hook");
    }

    // --- the service -----------------------------------------------------------------------------

    @Test
    void serviceDeploysWithoutStoppingOldTasksFirstAndRollsBack() {
        JsonNode service = defaults.resource("AWS::ECS::Service");
        JsonNode dc = service.at("/Properties/DeploymentConfiguration");
        assertEquals(100, dc.path("MinimumHealthyPercent").asInt());
        assertEquals(200, dc.path("MaximumPercent").asInt());
        assertTrue(dc.at("/DeploymentCircuitBreaker/Enable").asBoolean());
        assertTrue(dc.at("/DeploymentCircuitBreaker/Rollback").asBoolean());
        JsonNode strategy = service.at("/Properties/CapacityProviderStrategy");
        assertEquals(1, strategy.size());
        assertEquals(defaults.logicalId("AWS::ECS::CapacityProvider"), strategy.at("/0/CapacityProvider/Ref").asText());
        assertTrue(strings(service.path("DependsOn")).contains(defaults.logicalId("AWS::ECS::ClusterCapacityProviderAssociations")),
                "the service waits for the capacity provider to be associated with the cluster");
        assertEquals("DISABLED", service.at("/Properties/AvailabilityZoneRebalancing").asText());
    }

    @Test
    void scalingTracksEcsCpu() {
        JsonNode policy = defaults.resource("AWS::ApplicationAutoScaling::ScalingPolicy").path("Properties");
        assertEquals("TargetTrackingScaling", policy.path("PolicyType").asText());
        JsonNode config = policy.path("TargetTrackingScalingPolicyConfiguration");
        assertEquals("ECSServiceAverageCPUUtilization", config.at("/PredefinedMetricSpecification/PredefinedMetricType").asText());
        assertEquals(50, config.path("TargetValue").asInt());
        JsonNode target = defaults.resource("AWS::ApplicationAutoScaling::ScalableTarget").path("Properties");
        assertEquals(2, target.path("MinCapacity").asInt());
        assertEquals(10, target.path("MaxCapacity").asInt());
        assertEquals("ecs:service:DesiredCount", target.path("ScalableDimension").asText());
    }

    @Test
    void oneTaskPerInstanceIsEnforced() {
        JsonNode constraints = defaults.resource("AWS::ECS::Service").at("/Properties/PlacementConstraints");
        assertEquals("distinctInstance", constraints.at("/0/Type").asText());
        JsonNode shared = hookShared.resource("AWS::ECS::Service").path("Properties");
        assertFalse(shared.has("PlacementConstraints"));
        assertTrue(shared.path("PlacementStrategies").toString().contains("binpack"));
    }

    // --- the lifecycle hook ----------------------------------------------------------------------

    @Test
    void noLifecycleHookWithoutTheFlag() {
        assertTrue(defaults.resources("AWS::AutoScaling::LifecycleHook").isEmpty());
        assertFalse(defaults.resource("AWS::AutoScaling::AutoScalingGroup").path("Properties").has("LifecycleHookSpecificationList"));
        assertFalse(defaults.environment().containsKey("HOLDLINE_LIFECYCLE_HOOK"));
        assertFalse(defaults.environment().containsKey("HOLDLINE_LIFECYCLE_HOOK_COMPLETION"));
    }

    @Test
    void withOneTaskPerInstanceTheWorkerCompletesTheHookWhenIdle() {
        JsonNode hook = hookOne.resource("AWS::AutoScaling::LifecycleHook").path("Properties");
        assertEquals("autoscaling:EC2_INSTANCE_TERMINATING", hook.path("LifecycleTransition").asText());
        assertEquals(StackPlan.HOOK_NAME, hook.path("LifecycleHookName").asText());
        assertEquals(120, hook.path("HeartbeatTimeout").asInt());
        assertEquals("CONTINUE", hook.path("DefaultResult").asText());
        assertEquals(hookOne.logicalId("AWS::AutoScaling::AutoScalingGroup"), hook.at("/AutoScalingGroupName/Ref").asText());
        assertEquals(StackPlan.HOOK_NAME, hookOne.environment().get("HOLDLINE_LIFECYCLE_HOOK").asText());
        assertEquals("complete-when-idle", hookOne.environment().get("HOLDLINE_LIFECYCLE_HOOK_COMPLETION").asText());
        Set<String> actions = taskRoleActions(hookOne);
        assertTrue(actions.containsAll(List.of("autoscaling:RecordLifecycleActionHeartbeat", "autoscaling:CompleteLifecycleAction",
                "autoscaling:DescribeAutoScalingInstances")), actions.toString());
    }

    @Test
    void withSharedInstancesTheHookExpiresAfterTheLastHeartbeat() {
        JsonNode hook = hookShared.resource("AWS::AutoScaling::LifecycleHook").path("Properties");
        assertEquals(180, hook.path("HeartbeatTimeout").asInt());
        assertEquals("expire-after-last-heartbeat", hookShared.environment().get("HOLDLINE_LIFECYCLE_HOOK_COMPLETION").asText());
        Set<String> actions = taskRoleActions(hookShared);
        assertTrue(actions.contains("autoscaling:RecordLifecycleActionHeartbeat"));
        assertFalse(actions.contains("autoscaling:CompleteLifecycleAction"), "nobody completes a shared instance's hook");
    }

    // --- imported VPC, Graviton ------------------------------------------------------------------

    @Test
    void anImportedVpcIsUsedByIdAndGravitonGetsTheArmAmi() {
        assertTrue(hookShared.resources("AWS::EC2::VPC").isEmpty(), "no VPC created");
        assertTrue(hookShared.resources("AWS::EC2::NatGateway").isEmpty());
        JsonNode asg = hookShared.resource("AWS::AutoScaling::AutoScalingGroup").path("Properties");
        assertEquals(List.of("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"), strings(asg.path("VPCZoneIdentifier")));
        assertEquals("vpc-0a1b2c3d4e5f67890",
                hookShared.resource("AWS::EC2::SecurityGroup").at("/Properties/VpcId").asText());
        String ami = hookShared.resource("AWS::EC2::LaunchTemplate").at("/Properties/LaunchTemplateData/ImageId/Ref").asText();
        assertEquals("/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
                hookShared.template().at("/Parameters/" + ami + "/Default").asText());
        JsonNode td = hookShared.resource("AWS::ECS::TaskDefinition").path("Properties");
        assertEquals("2048", td.path("Cpu").asText(), "8 vCPU shared by 4 tasks");
        assertEquals("3520", td.path("Memory").asText());
        assertEquals(2, defaults.resources("AWS::EC2::NatGateway").size(), "a new VPC has a NAT gateway per AZ");
    }

    @Test
    void cdkHasNothingToWarnAbout() {
        for (Stack s : List.of(defaults, hookOne, hookShared)) {
            assertEquals(List.of(), s.result().warnings());
        }
    }

    private static Set<String> taskRoleActions(Stack s) {
        String role = s.resource("AWS::ECS::TaskDefinition").at("/Properties/TaskRoleArn/Fn::GetAtt/0").asText();
        Set<String> actions = new HashSet<>();
        s.statementsOf(role).forEach(st -> actions.addAll(actions(st)));
        return actions;
    }

    private static List<String> actions(JsonNode statement) {
        return strings(statement.path("Action"));
    }

    /** A JSON string or array of strings as a list (CloudFormation writes one action as a string). */
    static List<String> strings(JsonNode node) {
        List<String> list = new ArrayList<>();
        if (node.isTextual()) {
            list.add(node.asText());
        } else {
            node.forEach(n -> {
                assertTrue(n.isTextual(), "not a string: " + n);
                list.add(n.asText());
            });
        }
        return list;
    }
}
