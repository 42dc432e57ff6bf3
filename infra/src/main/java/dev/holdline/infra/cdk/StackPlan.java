package dev.holdline.infra.cdk;

import dev.holdline.lifecycle.profile.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link SynthSettings} checked as a whole, with everything derived from them: the drain budget
 * from the profile file, the task size, the hook's completion mode, the Auto Scaling group's
 * size. Building a plan touches no CDK class, so every refusal comes back in milliseconds.
 *
 * @param settings      what was asked for
 * @param drain         the stop timeout and where it comes from
 * @param taskCpu       CPU units per task (a hard cap: task-level CPU on EC2 Linux is a cgroup quota)
 * @param taskMemoryMiB MiB per task (task-level and container hard limit: the JVM sizes its heap from it)
 * @param arm64         Graviton instances: ARM AMI, and the image must be {@code linux/arm64}
 * @param ecrImage      the ECR repository named by {@code settings.image()}, when it names one
 * @param hook          the termination lifecycle hook, when asked for
 * @param asgMaxInstances the group's maximum: room for twice {@code maxTasks} (a deploy's new tasks
 *                      start next to old ones still protected while their calls run)
 */
public record StackPlan(SynthSettings settings, DrainBudget drain, int taskCpu, int taskMemoryMiB, boolean arm64,
                        Optional<EcrImage> ecrImage, Optional<Hook> hook, int asgMaxInstances) {

    /** The hook's name: what {@code HOLDLINE_LIFECYCLE_HOOK} tells the worker. */
    public static final String HOOK_NAME = "holdline-drain";
    /** Auto Scaling's bounds for a lifecycle hook's HeartbeatTimeout, and the README's floor of 120 s. */
    static final Duration HOOK_HEARTBEAT_MIN = Duration.ofSeconds(120);
    static final Duration HOOK_HEARTBEAT_MAX = Duration.ofSeconds(7200);

    private static final Pattern STACK_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,127}");
    private static final Pattern AGENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern VPC_ID = Pattern.compile("vpc-[0-9a-f]{8,17}");
    private static final Pattern SUBNET_ID = Pattern.compile("subnet-[0-9a-f]{8,17}");
    private static final Pattern AZ = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9][a-z]|[a-z0-9]+-az[0-9]+");
    private static final Pattern LIVEKIT_URL = Pattern.compile("(wss?|https?)://[^\\s]+");
    /** A complete secret ARN ends in {@code -} and six random characters; ECS needs it to reference a JSON key. */
    static final Pattern SECRET_ARN = Pattern.compile(
            "arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}");
    private static final Pattern ECR_IMAGE = Pattern.compile(
            "([0-9]{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([a-z0-9][a-z0-9._/-]*)"
                    + "(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?");

    /**
     * How a worker ends the termination lifecycle action ({@code HOLDLINE_LIFECYCLE_HOOK_COMPLETION}).
     * One task per instance: the worker completes the action when its last call ends. Several: only
     * letting it expire is safe, since the action belongs to the instance (README, "The termination
     * lifecycle hook").
     */
    public enum HookCompletion {
        COMPLETE_WHEN_IDLE("complete-when-idle"),
        EXPIRE_AFTER_LAST_HEARTBEAT("expire-after-last-heartbeat");

        /** The value the worker reads. */
        public final String value;

        HookCompletion(String value) {
            this.value = value;
        }
    }

    /** The termination lifecycle hook. */
    public record Hook(String name, Duration heartbeatTimeout, HookCompletion completion) {
    }

    /** An image in ECR, so that the execution role can be granted pulls from that one repository. */
    public record EcrImage(String account, String region, String repository) {
        /** The partition of {@link #region}: {@code aws}, {@code aws-cn} or {@code aws-us-gov}. */
        public String partition() {
            return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
        }

        public String repositoryArn() {
            return "arn:" + partition() + ":ecr:" + region + ":" + account + ":repository/" + repository;
        }
    }

    public StackPlan {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(ecrImage, "ecrImage");
        Objects.requireNonNull(hook, "hook");
    }

    /** Whether the stack imports a VPC ({@code --vpc-id}) rather than creating one. */
    public boolean importsVpc() {
        return settings.vpcId() != null;
    }

    /**
     * Validates {@code s} and derives the plan.
     *
     * @throws SynthRefusedException listing every problem (a profile-file problem alone, first,
     *         since the rest depends on it)
     */
    public static StackPlan of(SynthSettings s) {
        DrainBudget drain = DrainBudget.of(s.profilesFile());
        List<String> problems = new ArrayList<>();

        if (s.outDir() == null) {
            problems.add("--out is missing. Fix: name the directory the template is written to, e.g. --out cdk.out.");
        }
        if (s.stackName() == null || !STACK_NAME.matcher(s.stackName()).matches()) {
            problems.add("--stack-name '" + s.stackName() + "' is not a CloudFormation stack name. Fix: use a letter followed by"
                    + " up to 127 letters, digits and hyphens, e.g. Holdline.");
        }
        if (s.agent() == null || !AGENT.matcher(s.agent()).matches()) {
            problems.add("--agent '" + s.agent() + "' is not an agent name. Fix: use letters, digits, '.', '_' or '-', e.g. hold.");
        }
        if (s.image() != null && (s.image().isBlank() || s.image().chars().anyMatch(Character::isWhitespace))) {
            problems.add("--image '" + s.image() + "' is not an image URI. Fix: use e.g."
                    + " 123456789012.dkr.ecr.eu-west-1.amazonaws.com/holdline:1.4.2, or leave it out to get a WorkerImage parameter.");
        }
        if (s.livekitUrl() != null && !LIVEKIT_URL.matcher(s.livekitUrl()).matches()) {
            problems.add("--livekit-url '" + s.livekitUrl() + "' is not a LiveKit URL. Fix: use wss://<host> (or ws://, https://),"
                    + " or leave it out to get a LiveKitUrl parameter.");
        }
        if (s.livekitSecretArn() != null && !SECRET_ARN.matcher(s.livekitSecretArn()).matches()) {
            problems.add("--livekit-secret-arn '" + s.livekitSecretArn() + "' is not the complete ARN of a Secrets Manager secret"
                    + " (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>; ECS needs the complete ARN to read"
                    + " a JSON key from it). Fix: use the ARN that `aws secretsmanager describe-secret --secret-id <name>` prints.");
        }
        if (s.profilesPathInImage() == null || !s.profilesPathInImage().startsWith("/")) {
            problems.add("--profiles-path-in-image '" + s.profilesPathInImage() + "' is not an absolute path. Fix: use the path"
                    + " infra/Dockerfile copies the file to, " + SynthSettings.DEFAULT_PROFILES_PATH_IN_IMAGE + ".");
        }
        checkVpc(s, problems);

        // Task size.
        boolean arm64 = s.instanceType() != null && InstanceSizing.isArm64(s.instanceType());
        Optional<InstanceSizing> sizing = Optional.empty();
        if (s.instanceType() == null || !InstanceSizing.looksLikeInstanceType(s.instanceType())) {
            problems.add("--instance-type '" + s.instanceType() + "' is not an EC2 instance type. Fix: use e.g. "
                    + SynthSettings.DEFAULT_INSTANCE_TYPE + ".");
        } else {
            sizing = InstanceSizing.of(s.instanceType());
        }
        if (s.tasksPerInstance() < 1) {
            problems.add("--tasks-per-instance " + s.tasksPerInstance() + " is less than 1. Fix: use 1 (one worker per instance) or more.");
        }
        int n = Math.max(1, s.tasksPerInstance());
        Integer cpu = s.taskCpu();
        Integer memory = s.taskMemoryMiB();
        if (sizing.isPresent()) {
            InstanceSizing size = sizing.get();
            int maxCpu = size.taskCpu(n);
            int maxMemory = size.taskMemoryMiB(n);
            if (cpu == null) {
                cpu = maxCpu;
            } else if (cpu > maxCpu) {
                problems.add("--task-cpu " + cpu + " with --tasks-per-instance " + n + " does not fit a " + s.instanceType() + " ("
                        + size.vcpus() + " vCPU = " + size.vcpus() * 1024 + " CPU units), so tasks would never be placed."
                        + " Fix: use --task-cpu " + maxCpu + " or less, fewer tasks per instance, or a larger instance type.");
            }
            if (memory == null) {
                memory = maxMemory;
            } else if (memory > maxMemory) {
                problems.add("--task-memory " + memory + " with --tasks-per-instance " + n + " does not fit a " + s.instanceType()
                        + " (" + size.memoryMiB() + " MiB, of which about " + (maxMemory * n) + " MiB can go to tasks),"
                        + " so tasks would never be placed. Fix: use --task-memory " + maxMemory + " or less, fewer tasks per"
                        + " instance, or a larger instance type.");
            }
        } else if (s.instanceType() != null && InstanceSizing.looksLikeInstanceType(s.instanceType()) && (cpu == null || memory == null)) {
            problems.add("--instance-type " + s.instanceType() + " is not one whose size synth knows offline (c, m or r families,"
                    + " generation 5 or later, medium to <n>xlarge). Fix: give --task-cpu and --task-memory for one task, sized so"
                    + " that --tasks-per-instance " + n + " of them fit the instance.");
        }
        if (cpu != null && cpu < InstanceSizing.MIN_TASK_CPU) {
            problems.add("a task would get " + cpu + " CPU units, less than " + InstanceSizing.MIN_TASK_CPU + "."
                    + " Fix: fewer tasks per instance, a larger instance type, or --task-cpu " + InstanceSizing.MIN_TASK_CPU + " or more.");
        }
        if (memory != null && memory < InstanceSizing.MIN_TASK_MEMORY_MIB) {
            problems.add("a task would get " + memory + " MiB, less than " + InstanceSizing.MIN_TASK_MEMORY_MIB + "."
                    + " Fix: fewer tasks per instance, a larger instance type, or --task-memory "
                    + InstanceSizing.MIN_TASK_MEMORY_MIB + " or more.");
        }

        // Scaling.
        if (s.minTasks() < 1) {
            problems.add("--min-tasks " + s.minTasks() + " is less than 1. Fix: use 1 or more (2 or more keeps a worker in each AZ).");
        }
        if (s.maxTasks() < s.minTasks()) {
            problems.add("--max-tasks " + s.maxTasks() + " is less than --min-tasks " + s.minTasks()
                    + ". Fix: use --max-tasks " + s.minTasks() + " or more.");
        }
        if (s.maxTasks() > 1000) {
            problems.add("--max-tasks " + s.maxTasks() + " is more than 1000. Fix: use 1000 or less, or more services.");
        }
        if (s.cpuTargetPercent() < 10 || s.cpuTargetPercent() > 90) {
            problems.add("--cpu-target " + s.cpuTargetPercent() + " is outside 10..90. Fix: use e.g. "
                    + SynthSettings.DEFAULT_CPU_TARGET_PERCENT + " (below the worker's 0.7 load threshold, so the fleet grows"
                    + " before workers report full).");
        }

        // The lifecycle hook.
        Optional<Hook> hook = Optional.empty();
        if (s.lifecycleHook()) {
            Duration hb = s.hookHeartbeatTimeout();
            if (hb == null || hb.compareTo(HOOK_HEARTBEAT_MIN) < 0 || hb.compareTo(HOOK_HEARTBEAT_MAX) > 0 || hb.getNano() != 0) {
                problems.add("--lifecycle-hook-heartbeat-timeout " + (hb == null ? "(none)" : Durations.format(hb))
                        + " is outside 120s..7200s (whole seconds). Fix: use at least 120s, two of the worker's 60 s heartbeat"
                        + " intervals, so that one failed heartbeat and its retries still land in time; 120s to 300s with"
                        + " several tasks per instance.");
            } else if (hb.multipliedBy(100).compareTo(drain.stopTimeout()) < 0) {
                problems.add("--lifecycle-hook-heartbeat-timeout " + Durations.format(hb) + " lets Auto Scaling end the wait after "
                        + Durations.format(hb.multipliedBy(100)) + " (100 x HeartbeatTimeout), before the " + drain.stopTimeoutEnvValue()
                        + " drain. Fix: use at least " + Durations.format(drain.stopTimeout().dividedBy(100).plusSeconds(1)) + ".");
            } else {
                HookCompletion completion = n == 1 ? HookCompletion.COMPLETE_WHEN_IDLE : HookCompletion.EXPIRE_AFTER_LAST_HEARTBEAT;
                hook = Optional.of(new Hook(HOOK_NAME, hb, completion));
            }
        } else if (s.hookHeartbeatTimeout() != null && !s.hookHeartbeatTimeout().equals(SynthSettings.DEFAULT_HOOK_HEARTBEAT_TIMEOUT)) {
            problems.add("--lifecycle-hook-heartbeat-timeout is set but --lifecycle-hook is not. Fix: add --lifecycle-hook, or drop"
                    + " the timeout.");
        }

        Optional<EcrImage> ecr = Optional.empty();
        if (s.image() != null) {
            Matcher m = ECR_IMAGE.matcher(s.image());
            if (m.matches()) {
                ecr = Optional.of(new EcrImage(m.group(1), m.group(2), m.group(3)));
            }
        }

        if (!problems.isEmpty()) {
            throw new SynthRefusedException(problems);
        }
        int asgMax = Math.max(1, (2 * s.maxTasks() + n - 1) / n);
        return new StackPlan(s, drain, cpu, memory, arm64, ecr, hook, asgMax);
    }

    private static void checkVpc(SynthSettings s, List<String> problems) {
        if (s.vpcId() == null) {
            if (!s.subnetIds().isEmpty() || !s.availabilityZones().isEmpty()) {
                problems.add("--subnet-ids and --availability-zones go with --vpc-id, which is not set. Fix: add --vpc-id, or"
                        + " drop them to let the stack create a VPC.");
            }
            return;
        }
        if (!VPC_ID.matcher(s.vpcId()).matches()) {
            problems.add("--vpc-id '" + s.vpcId() + "' is not a VPC id. Fix: use e.g. vpc-0a1b2c3d4e5f67890.");
        }
        if (s.subnetIds().isEmpty()) {
            problems.add("--vpc-id needs --subnet-ids: the private subnets (with a route to the internet through NAT) the"
                    + " instances run in, one per AZ. Fix: add e.g. --subnet-ids subnet-0aaa...,subnet-0bbb... (synth runs"
                    + " offline and cannot look the VPC up).");
        }
        s.subnetIds().stream().filter(id -> !SUBNET_ID.matcher(id).matches()).forEach(id ->
                problems.add("--subnet-ids: '" + id + "' is not a subnet id. Fix: use e.g. subnet-0a1b2c3d4e5f67890."));
        if (s.availabilityZones().size() != s.subnetIds().size()) {
            problems.add("--availability-zones lists " + s.availabilityZones().size() + " AZ(s) for " + s.subnetIds().size()
                    + " subnet(s). Fix: give each subnet's AZ, in the same order, e.g. --availability-zones eu-west-1a,eu-west-1b.");
        }
        s.availabilityZones().stream().filter(az -> !AZ.matcher(az).matches()).forEach(az ->
                problems.add("--availability-zones: '" + az + "' is not an availability zone. Fix: use e.g. eu-west-1a."));
    }
}
