package dev.holdline.infra.cdk;

import dev.holdline.lifecycle.profile.ProfileConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.IAspect;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.BasicLifecycleHookProps;
import software.amazon.awscdk.services.autoscaling.DefaultResult;
import software.amazon.awscdk.services.autoscaling.LifecycleTransition;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.LaunchTemplateHttpTokens;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.ecs.AmiHardwareType;
import software.amazon.awscdk.services.ecs.AsgCapacityProvider;
import software.amazon.awscdk.services.ecs.AvailabilityZoneRebalancing;
import software.amazon.awscdk.services.ecs.AwsLogDriverMode;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.BuiltInAttributes;
import software.amazon.awscdk.services.ecs.CapacityProviderStrategy;
import software.amazon.awscdk.services.ecs.CfnClusterCapacityProviderAssociations;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.Compatibility;
import software.amazon.awscdk.services.ecs.ContainerDefinition;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.Ec2Service;
import software.amazon.awscdk.services.ecs.EcsOptimizedImage;
import software.amazon.awscdk.services.ecs.LinuxParameters;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.ecs.MachineImageType;
import software.amazon.awscdk.services.ecs.NetworkMode;
import software.amazon.awscdk.services.ecs.PlacementConstraint;
import software.amazon.awscdk.services.ecs.PlacementStrategy;
import software.amazon.awscdk.services.ecs.PropagatedTagSource;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.ecs.TaskDefinition;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * The Holdline worker fleet on ECS with the EC2 launch type, as one CloudFormation stack. Every
 * choice below serves one promise: deploys and scale-in never cut a call (README, "Draining" and
 * "On ECS"; DESIGN.md §5–§6).
 *
 * <h2>Resources</h2>
 * <ul>
 *   <li><b>VPC</b> — new: two AZs, a public and a private subnet in each, one NAT gateway per AZ
 *       (a NAT outage in one AZ then cuts no call in the other); or imported by id with
 *       {@code Vpc.fromVpcAttributes} (synth runs offline; {@code Vpc.fromLookup} needs AWS).
 *       Workers only connect out (LiveKit, ECR, AWS APIs): the instances' security group has no
 *       ingress.</li>
 *   <li><b>ECS cluster</b> with one <b>Auto Scaling group capacity provider</b>: managed scaling
 *       (target capacity 100 %), managed termination protection ENABLED (ECS keeps instances
 *       with tasks protected from scale-in) and managed draining ENABLED (an instance Auto Scaling
 *       terminates anyway is set DRAINING first: its tasks get SIGTERM and their stopTimeout, and
 *       replacements land elsewhere). No Fargate capacity, ever: Fargate caps stopTimeout at 120 s.</li>
 *   <li><b>Auto Scaling group</b> from a <b>launch template</b> (never a launch configuration):
 *       the ECS-optimized Amazon Linux 2023 AMI from its public SSM parameter (a stack parameter,
 *       resolved at deploy), IMDSv2 required with a PUT response hop limit of 2 (so that a
 *       bridge-mode container reaches IMDS for {@code target-lifecycle-state}),
 *       {@code NewInstancesProtectedFromScaleIn} true. Min 0; max room for twice the task maximum,
 *       since a deploy's new tasks start next to old ones that stay while their calls run.</li>
 *   <li><b>Task definition</b> (EC2 only, bridge network mode — no ENI per task, no inbound
 *       port needed): task-level CPU and memory sized to share the instance; one essential
 *       container with {@code stopTimeout} = {@link DrainBudget} (the profile file's longest
 *       drain_timeout + safety margin), {@code HOLDLINE_STOP_TIMEOUT} the same value,
 *       {@code HOLDLINE_PROFILES} the file baked into the image, {@code initProcessEnabled} (an
 *       init as PID 1 forwards SIGTERM to the JVM and reaps children), exec-form
 *       {@link #ENTRY_POINT} and command, a container health check on the worker's own port 8081
 *       (exec form, {@link #HEALTH_CHECK_COMMAND}), logs to CloudWatch in non-blocking mode (a slow
 *       log sink must never stall a call's threads), LiveKit key and secret from Secrets Manager.</li>
 *   <li><b>Task role</b>: {@code ecs:UpdateTaskProtection}/{@code ecs:GetTaskProtection} on this
 *       cluster's tasks, {@code ecs:DescribeServices} on this cluster's services (the deployment
 *       watcher); with the hook, the Auto Scaling actions on this group. Scoped to the cluster
 *       rather than the one service because ECS makes a service depend on its task role, so the
 *       role cannot name the service's ARN without a cycle.</li>
 *   <li><b>Service</b>: minimum healthy 100 %, maximum 200 % (a deploy starts the new tasks
 *       before any old one is asked to stop), deployment circuit breaker with rollback, the
 *       capacity provider strategy, AZ spread (plus one task per instance when
 *       {@code --tasks-per-instance 1}, else bin-packing on memory so that scale-in finds empty
 *       instances), AZ rebalancing DISABLED (it would stop running tasks, i.e. drain calls, only
 *       to even out AZs).</li>
 *   <li><b>Scaling</b>: target tracking on the service's average ECS CPU utilization — see
 *       {@link #addScaling}.</li>
 *   <li><b>Termination lifecycle hook</b> (only with {@code --lifecycle-hook}):
 *       {@value StackPlan#HOOK_NAME}, {@code autoscaling:EC2_INSTANCE_TERMINATING}, heartbeat
 *       timeout ≥ 120 s, default result CONTINUE; the worker learns it from
 *       {@code HOLDLINE_LIFECYCLE_HOOK} and {@code HOLDLINE_LIFECYCLE_HOOK_COMPLETION}.</li>
 * </ul>
 *
 * <p>The stack is environment-agnostic (account and Region are CloudFormation pseudo parameters),
 * so it synthesizes offline and deploys anywhere.
 */
public final class HoldlineStack extends Stack {
    /** The container's name in the task definition. */
    public static final String CONTAINER_NAME = "worker";

    /**
     * The JVM, in exec form — the same list as {@code ENTRYPOINT} in {@code infra/Dockerfile} (a test
     * holds them equal). Container-aware: heap 75 % of the container's memory limit (the rest is
     * metaspace, threads, direct buffers and native audio code); exit on OutOfMemoryError, so that
     * ECS replaces a broken worker instead of it limping on.
     */
    public static final List<String> ENTRY_POINT = List.of(
            "java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/holdline-examples.jar");

    /**
     * The health check, in exec form — the same as {@code HEALTHCHECK} in {@code infra/Dockerfile}:
     * the worker's own health endpoint (200 while registered with LiveKit, 503 otherwise). curl is
     * in the runtime image; it starts in milliseconds, where a JVM-based probe would cost a second
     * of CPU and tens of MB every interval.
     */
    public static final List<String> HEALTH_CHECK_COMMAND = List.of(
            "CMD", "curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null",
            "http://127.0.0.1:8081/");

    /** The JSON keys of the LiveKit secret in Secrets Manager, and the variables they become. */
    public static final String LIVEKIT_API_KEY = "LIVEKIT_API_KEY";
    public static final String LIVEKIT_API_SECRET = "LIVEKIT_API_SECRET";

    private final StackPlan plan;

    public HoldlineStack(Construct scope, String id, StackProps props, StackPlan plan) {
        super(scope, id, props);
        this.plan = plan;
        SynthSettings s = plan.settings();
        setTemplateOptions();

        IVpc vpc = vpc(s);
        Cluster cluster = Cluster.Builder.create(this, "Cluster").vpc(vpc).build();

        SecurityGroup instanceSg = SecurityGroup.Builder.create(this, "InstanceSecurityGroup")
                .vpc(vpc)
                .description("Holdline worker instances: no inbound; outbound to LiveKit, ECR and AWS APIs")
                .allowAllOutbound(true)
                .build();
        Role instanceRole = Role.Builder.create(this, "InstanceRole")
                .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
                .description("Holdline ECS container instances (the ECS agent); permissions added by the cluster")
                .build();
        LaunchTemplate launchTemplate = LaunchTemplate.Builder.create(this, "LaunchTemplate")
                .machineImage(EcsOptimizedImage.amazonLinux2023(plan.arm64() ? AmiHardwareType.ARM : AmiHardwareType.STANDARD))
                .instanceType(new InstanceType(s.instanceType()))
                .userData(UserData.forLinux())
                .role(instanceRole)
                .securityGroup(instanceSg)
                .httpEndpoint(true)
                .httpTokens(LaunchTemplateHttpTokens.REQUIRED)
                .httpPutResponseHopLimit(2)
                .build();
        AutoScalingGroup asg = AutoScalingGroup.Builder.create(this, "Asg")
                .vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build())
                .launchTemplate(launchTemplate)
                .minCapacity(0)
                .maxCapacity(plan.asgMaxInstances())
                .newInstancesProtectedFromScaleIn(true)
                .build();
        AsgCapacityProvider capacityProvider = AsgCapacityProvider.Builder.create(this, "CapacityProvider")
                .autoScalingGroup(asg)
                .machineImageType(MachineImageType.AMAZON_LINUX_2) // Linux user data; also right for AL2023
                .enableManagedScaling(true)
                .targetCapacityPercent(100)
                .enableManagedTerminationProtection(true)
                .enableManagedDraining(true)
                .build();
        cluster.addAsgCapacityProvider(capacityProvider);
        plan.hook().ifPresent(hook -> asg.addLifecycleHook("DrainHook", BasicLifecycleHookProps.builder()
                .lifecycleHookName(hook.name())
                .lifecycleTransition(LifecycleTransition.INSTANCE_TERMINATING)
                .heartbeatTimeout(Duration.seconds(hook.heartbeatTimeout().getSeconds()))
                .defaultResult(DefaultResult.CONTINUE)
                .build()));

        Role executionRole = Role.Builder.create(this, "ExecutionRole")
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .description("Holdline worker tasks: ECS pulls the image, reads the LiveKit secret, writes logs")
                .build();
        Role taskRole = Role.Builder.create(this, "TaskRole")
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .description("Holdline worker: task scale-in protection, deployment watcher, lifecycle hook")
                .build();
        grantTaskRole(taskRole, cluster, asg);

        TaskDefinition taskDefinition = TaskDefinition.Builder.create(this, "TaskDefinition")
                .compatibility(Compatibility.EC2)
                .networkMode(NetworkMode.BRIDGE)
                .cpu(Integer.toString(plan.taskCpu()))
                .memoryMiB(Integer.toString(plan.taskMemoryMiB()))
                .taskRole(taskRole)
                .executionRole(executionRole)
                .build();
        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        ContainerDefinition container = taskDefinition.addContainer(CONTAINER_NAME, ContainerDefinitionOptions.builder()
                .containerName(CONTAINER_NAME)
                .image(image(s, executionRole))
                .essential(true)
                .entryPoint(ENTRY_POINT)
                .command(List.of("start", "--agent", s.agent()))
                .stopTimeout(Duration.seconds(plan.drain().stopTimeoutSeconds()))
                .memoryLimitMiB(plan.taskMemoryMiB())
                .environment(environment(s))
                .secrets(secrets(s))
                .linuxParameters(LinuxParameters.Builder.create(this, "LinuxParameters").initProcessEnabled(true).build())
                .healthCheck(software.amazon.awscdk.services.ecs.HealthCheck.builder()
                        .command(HEALTH_CHECK_COMMAND)
                        .interval(Duration.seconds(15))
                        .timeout(Duration.seconds(5))
                        .retries(4)
                        .startPeriod(Duration.seconds(60))
                        .build())
                .logging(LogDriver.awsLogs(AwsLogDriverProps.builder()
                        .logGroup(logs)
                        .streamPrefix("worker")
                        .mode(AwsLogDriverMode.NON_BLOCKING)
                        .maxBufferSize(Size.mebibytes(25))
                        .build()))
                .build());

        // fromRegistry is used for every image (the template shows the URI as given); the pull
        // permission CDK asks about is granted in image() above.
        if (plan.ecrImage().isPresent() || s.image() == null) {
            Annotations.of(container).acknowledgeWarning("@aws-cdk/aws-ecs:ecrImageRequiresPolicy",
                    "ECR pull permission granted to the execution role by HoldlineStack.image()");
        }

        List<PlacementStrategy> strategies = new ArrayList<>();
        strategies.add(PlacementStrategy.spreadAcross(BuiltInAttributes.AVAILABILITY_ZONE));
        List<PlacementConstraint> constraints = new ArrayList<>();
        if (s.tasksPerInstance() == 1) {
            constraints.add(PlacementConstraint.distinctInstances());
        } else {
            strategies.add(PlacementStrategy.packedByMemory());
        }
        Ec2Service service = Ec2Service.Builder.create(this, "Service")
                .cluster(cluster)
                .taskDefinition(taskDefinition)
                .minHealthyPercent(100)
                .maxHealthyPercent(200)
                .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
                .capacityProviderStrategies(List.of(CapacityProviderStrategy.builder()
                        .capacityProvider(capacityProvider.getCapacityProviderName())
                        .weight(1)
                        .build()))
                .placementStrategies(strategies)
                .placementConstraints(constraints.isEmpty() ? null : constraints)
                .availabilityZoneRebalancing(AvailabilityZoneRebalancing.DISABLED)
                .enableEcsManagedTags(true)
                .propagateTags(PropagatedTagSource.SERVICE)
                .build();
        // The strategy names the capacity provider, which is usable only once it is associated with
        // the cluster: without this the service can be created first and fail.
        // The cluster creates its association resource in an aspect at synth time, so the
        // dependency is added by an aspect too.
        Aspects.of(this).add(new DependOnCapacityProviderAssociation(service));
        addScaling(service, s);

        CfnOutput.Builder.create(this, "ClusterName").value(cluster.getClusterName()).build();
        CfnOutput.Builder.create(this, "ServiceName").value(service.getServiceName()).build();
        CfnOutput.Builder.create(this, "AutoScalingGroupName").value(asg.getAutoScalingGroupName()).build();
        CfnOutput.Builder.create(this, "LogGroupName").value(logs.getLogGroupName()).build();
        CfnOutput.Builder.create(this, "StopTimeout")
                .description(plan.drain().describe())
                .value(Integer.toString(plan.drain().stopTimeoutSeconds()))
                .build();
    }

    /** Makes the service depend on the cluster's capacity provider association, once CDK has created it. */
    private static final class DependOnCapacityProviderAssociation implements IAspect {
        private final Ec2Service service;

        DependOnCapacityProviderAssociation(Ec2Service service) {
            this.service = service;
        }

        @Override
        public void visit(IConstruct node) {
            if (node instanceof CfnClusterCapacityProviderAssociations) {
                service.getNode().addDependency(node);
            }
        }
    }

    /** The plan this stack was built from. */
    public StackPlan plan() {
        return plan;
    }

    private void setTemplateOptions() {
        getTemplateOptions().setDescription("Holdline voice-agent workers on ECS (EC2 launch type): "
                + plan.drain().describe() + ", from " + plan.settings().profilesFile().getFileName() + ".");
    }

    private IVpc vpc(SynthSettings s) {
        if (s.vpcId() != null) {
            IVpc imported = Vpc.fromVpcAttributes(this, "Vpc", VpcAttributes.builder()
                    .vpcId(s.vpcId())
                    .availabilityZones(s.availabilityZones())
                    .privateSubnetIds(s.subnetIds())
                    .build());
            // The stack adds no routes, so it never needs the subnets' route tables.
            Annotations.of(imported).acknowledgeWarning("@aws-cdk/aws-ec2:noSubnetRouteTableId",
                    "the stack adds no routes to imported subnets");
            return imported;
        }
        return Vpc.Builder.create(this, "Vpc")
                .maxAzs(2)
                .natGateways(2)
                .restrictDefaultSecurityGroup(false) // true would add a custom-resource Lambda (an asset)
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC).cidrMask(24).build(),
                        SubnetConfiguration.builder().name("workers").subnetType(SubnetType.PRIVATE_WITH_EGRESS).cidrMask(20).build()))
                .build();
    }

    /**
     * The worker's image. Pulls from ECR need the execution role's permission: for an ECR URI on
     * that repository only; for the {@code WorkerImage} parameter on this account's repositories
     * in this Region. Other registries must be public (private ones need repository credentials,
     * which this stack does not set up).
     */
    private ContainerImage image(SynthSettings s, Role executionRole) {
        String image;
        if (s.image() != null) {
            image = s.image();
        } else {
            image = CfnParameter.Builder.create(this, "WorkerImage")
                    .type("String")
                    .minLength(1)
                    .description("Worker image URI (built from infra/Dockerfile with the same profile file given to synth), e.g."
                            + " 123456789012.dkr.ecr.eu-west-1.amazonaws.com/holdline:1.4.2")
                    .build().getValueAsString();
        }
        String repositories = plan.ecrImage().map(StackPlan.EcrImage::repositoryArn).orElse(null);
        if (repositories == null && s.image() == null) {
            repositories = formatArn(ArnComponents.builder().service("ecr").resource("repository").resourceName("*")
                    .arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build());
        }
        if (repositories != null) {
            executionRole.addToPolicy(PolicyStatement.Builder.create()
                    .sid("PullWorkerImage")
                    .actions(List.of("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"))
                    .resources(List.of(repositories))
                    .build());
            executionRole.addToPolicy(PolicyStatement.Builder.create()
                    .sid("EcrLogin")
                    .actions(List.of("ecr:GetAuthorizationToken"))
                    .resources(List.of("*"))
                    .build());
        }
        return ContainerImage.fromRegistry(image);
    }

    /**
     * Plain environment. {@code HOLDLINE_ASG_PROTECTION} stays off: with managed termination
     * protection ECS itself keeps instances with tasks protected, and a worker setting instance
     * protection too would fight it.
     */
    private Map<String, String> environment(SynthSettings s) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ProfileConfig.STOP_TIMEOUT_ENV, plan.drain().stopTimeoutEnvValue());
        env.put("HOLDLINE_PROFILES", s.profilesPathInImage());
        env.put("LIVEKIT_URL", s.livekitUrl() != null ? s.livekitUrl()
                : CfnParameter.Builder.create(this, "LiveKitUrl")
                        .type("String")
                        .allowedPattern("(wss?|https?)://\\S+")
                        .constraintDescription("a LiveKit URL: wss://<host>")
                        .description("LiveKit server URL the workers register with, e.g. wss://livekit.example.com")
                        .build().getValueAsString());
        env.put("AWS_REGION", getRegion());
        plan.hook().ifPresent(hook -> {
            env.put("HOLDLINE_LIFECYCLE_HOOK", hook.name());
            env.put("HOLDLINE_LIFECYCLE_HOOK_COMPLETION", hook.completion().value);
        });
        return env;
    }

    /**
     * {@code LIVEKIT_API_KEY} and {@code LIVEKIT_API_SECRET} from the JSON keys of the same names in
     * one Secrets Manager secret: the template holds only the secret's ARN, ECS injects the values
     * when the task starts, and the execution role may read that one secret.
     */
    private Map<String, software.amazon.awscdk.services.ecs.Secret> secrets(SynthSettings s) {
        String arn = s.livekitSecretArn() != null ? s.livekitSecretArn()
                : CfnParameter.Builder.create(this, "LiveKitSecretArn")
                        .type("String")
                        .allowedPattern(StackPlan.SECRET_ARN.pattern())
                        .constraintDescription("the complete ARN of a Secrets Manager secret (ending in -<6 characters>)")
                        .description("Complete ARN of the Secrets Manager secret holding {\"" + LIVEKIT_API_KEY + "\": ...,"
                                + " \"" + LIVEKIT_API_SECRET + "\": ...}")
                        .build().getValueAsString();
        ISecret secret = Secret.fromSecretCompleteArn(this, "LiveKitSecret", arn);
        Map<String, software.amazon.awscdk.services.ecs.Secret> secrets = new LinkedHashMap<>();
        secrets.put(LIVEKIT_API_KEY, software.amazon.awscdk.services.ecs.Secret.fromSecretsManager(secret, LIVEKIT_API_KEY));
        secrets.put(LIVEKIT_API_SECRET, software.amazon.awscdk.services.ecs.Secret.fromSecretsManager(secret, LIVEKIT_API_SECRET));
        return secrets;
    }

    /** What the worker calls with its task role (README, "IAM"), scoped as tightly as the stack allows. */
    private void grantTaskRole(Role taskRole, Cluster cluster, AutoScalingGroup asg) {
        taskRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("TaskScaleInProtection")
                .actions(List.of("ecs:UpdateTaskProtection", "ecs:GetTaskProtection"))
                .resources(List.of(formatArn(ArnComponents.builder().service("ecs").resource("task")
                        .resourceName(cluster.getClusterName() + "/*").arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build())))
                .build());
        taskRole.addToPolicy(PolicyStatement.Builder.create()
                .sid("DeploymentWatcher")
                .actions(List.of("ecs:DescribeServices"))
                .resources(List.of(formatArn(ArnComponents.builder().service("ecs").resource("service")
                        .resourceName(cluster.getClusterName() + "/*").arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build())))
                .build());
        plan.hook().ifPresent(hook -> {
            List<String> actions = new ArrayList<>(List.of("autoscaling:RecordLifecycleActionHeartbeat"));
            if (hook.completion() == StackPlan.HookCompletion.COMPLETE_WHEN_IDLE) {
                actions.add("autoscaling:CompleteLifecycleAction");
            }
            taskRole.addToPolicy(PolicyStatement.Builder.create()
                    .sid("LifecycleHook")
                    .actions(actions)
                    .resources(List.of(asg.getAutoScalingGroupArn()))
                    .build());
            taskRole.addToPolicy(PolicyStatement.Builder.create()
                    .sid("FindAutoScalingGroup")
                    .actions(List.of("autoscaling:DescribeAutoScalingInstances")) // no resource-level permissions
                    .resources(List.of("*"))
                    .build());
        });
    }

    /**
     * Scaling metric: <b>target tracking on the service's average ECS CPU utilization</b>
     * ({@code ECSServiceAverageCPUUtilization}), target {@code --cpu-target} (default 50 %).
     *
     * <p>Why CPU and not sessions: it is the metric that exists. The worker publishes no CloudWatch
     * metric today (no {@code Holdline/ActiveSessions}), and a target-tracking policy on a metric
     * nobody emits never scales out. CPU also tracks what makes a worker stop taking calls: its
     * load is {@code max(CPU share of its cgroup, sessions / max sessions)} against a threshold of
     * 0.7, and its CPU share is measured against the task-level CPU this stack sets — the same
     * denominator ECS uses. A target of 50 % grows the fleet well before workers report full; the
     * audio codec work makes CPU rise with the number of calls (DESIGN.md §7). Where calls are
     * limited by {@code --max-sessions} rather than CPU (handlers that mostly wait on the network),
     * CPU under-reads load: publish a per-task sessions metric and track that instead.
     *
     * <p>Scale-in cannot cut calls either way: busy tasks hold task scale-in protection, so ECS
     * removes idle ones; scale-in waits 5 minutes after the last change, scale-out 1 minute.
     */
    private void addScaling(Ec2Service service, SynthSettings s) {
        ScalableTaskCount count = service.autoScaleTaskCount(EnableScalingProps.builder()
                .minCapacity(s.minTasks())
                .maxCapacity(s.maxTasks())
                .build());
        count.scaleOnCpuUtilization("CpuTargetTracking", CpuUtilizationScalingProps.builder()
                .targetUtilizationPercent(s.cpuTargetPercent())
                .scaleOutCooldown(Duration.minutes(1))
                .scaleInCooldown(Duration.minutes(5))
                .build());
    }
}
