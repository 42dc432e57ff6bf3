package dev.holdline.infra.cdk;

import dev.holdline.lifecycle.profile.Durations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code holdline-infra synth}: writes the CloudFormation template of {@link HoldlineStack}.
 * Exit codes: 0 written; 2 refused (one line per problem on stderr, each naming the setting and
 * the fix) or a usage error; 1 anything else (e.g. {@code node} missing for CDK's jsii runtime).
 */
@Command(name = "synth",
        sortOptions = false,
        description = {
                "Synthesize the ECS (EC2 launch type) CloudFormation stack for Holdline workers, offline, without the cdk CLI.",
                "The container's stopTimeout and HOLDLINE_STOP_TIMEOUT are computed from the call-profile file: its longest"
                        + " drain_timeout + safety margin (or its stop_timeout), capped at "
                        + DrainBudget.EC2_STOP_TIMEOUT_CAP_SECONDS + " s. Build the worker image from infra/Dockerfile with the"
                        + " same file (--build-arg PROFILES=<file>).",
                "Values left out (--image, --livekit-url, --livekit-secret-arn) become stack parameters given at deploy time."},
        footer = {"",
                "Deploy: aws cloudformation deploy --template-file <out>/<stack-name>.template.json --stack-name <stack-name>"
                        + " --capabilities CAPABILITY_IAM [--parameter-overrides WorkerImage=... LiveKitUrl=... LiveKitSecretArn=...]"})
public final class SynthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--profiles", required = true, paramLabel = "FILE",
            description = "Call-profile file (YAML), the same one baked into the worker image. Its HOLDLINE_* environment"
                    + " overrides are not read here: the container does not have them.")
    Path profiles;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "cdk.out",
            description = "Cloud assembly directory; the template is <DIR>/<stack-name>.template.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--stack-name", paramLabel = "NAME", defaultValue = SynthSettings.DEFAULT_STACK_NAME,
            description = "CloudFormation stack name (default: ${DEFAULT-VALUE}).")
    String stackName;

    @Option(names = "--image", paramLabel = "URI",
            description = "Worker image built from infra/Dockerfile, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/holdline:1.4.2"
                    + " (prefer a digest or an immutable tag). An ECR URI grants pulls from that repository only."
                    + " Default: a WorkerImage stack parameter (pulls allowed from this account's ECR repositories).")
    String image;

    @Option(names = "--agent", paramLabel = "NAME", defaultValue = SynthSettings.DEFAULT_AGENT,
            description = "Agent the worker runs: the container command is [\"start\", \"--agent\", NAME] (default: ${DEFAULT-VALUE}).")
    String agent;

    @Option(names = "--livekit-url", paramLabel = "URL",
            description = "LIVEKIT_URL, plain environment (it is not a secret), e.g. wss://livekit.example.com."
                    + " Default: a LiveKitUrl stack parameter.")
    String livekitUrl;

    @Option(names = "--livekit-secret-arn", paramLabel = "ARN",
            description = "Complete ARN of the Secrets Manager secret holding JSON {\"LIVEKIT_API_KEY\": ..., \"LIVEKIT_API_SECRET\": ...};"
                    + " ECS injects both into the container, the template holds only the ARN."
                    + " Default: a LiveKitSecretArn stack parameter.")
    String livekitSecretArn;

    @Option(names = "--vpc-id", paramLabel = "VPC",
            description = "Run in this existing VPC (needs --subnet-ids and --availability-zones; synth cannot look it up offline)."
                    + " Default: a new VPC with 2 AZs, public and private subnets, one NAT gateway per AZ.")
    String vpcId;

    @Option(names = "--subnet-ids", paramLabel = "SUBNET", split = ",",
            description = "With --vpc-id: private subnets (with NAT egress) for the instances, comma-separated, one per AZ.")
    List<String> subnetIds = new ArrayList<>();

    @Option(names = "--availability-zones", paramLabel = "AZ", split = ",",
            description = "With --vpc-id: the AZ of each of --subnet-ids, in the same order, e.g. eu-west-1a,eu-west-1b.")
    List<String> availabilityZones = new ArrayList<>();

    @Option(names = "--instance-type", paramLabel = "TYPE", defaultValue = SynthSettings.DEFAULT_INSTANCE_TYPE,
            description = "EC2 instance type (default: ${DEFAULT-VALUE}). Graviton types (c7g, m7g, ...) get the ARM ECS AMI and need"
                    + " a linux/arm64 image. Types outside the c/m/r families (generation 5+) need --task-cpu and --task-memory.")
    String instanceType;

    @Option(names = "--tasks-per-instance", paramLabel = "N", defaultValue = "1",
            description = "Worker tasks per instance (default: ${DEFAULT-VALUE}). 1: one task per instance (distinctInstance),"
                    + " and a --lifecycle-hook completes when the worker is idle. More: tasks bin-packed, and the hook expires"
                    + " after the last heartbeat. Tasks are sized to share the instance evenly.")
    int tasksPerInstance;

    @Option(names = "--task-cpu", paramLabel = "UNITS",
            description = "CPU units per task (1024 = 1 vCPU; a hard cap). Default: the instance's vCPUs x 1024 / N.")
    Integer taskCpu;

    @Option(names = "--task-memory", paramLabel = "MIB",
            description = "Memory per task in MiB (a hard limit; the JVM heap is 75%% of it). Default: (90%% of the instance's"
                    + " memory - 512 MiB) / N, rounded down to 64 MiB.")
    Integer taskMemory;

    @Option(names = "--min-tasks", paramLabel = "N", defaultValue = "" + SynthSettings.DEFAULT_MIN_TASKS,
            description = "Service auto scaling minimum (default: ${DEFAULT-VALUE}).")
    int minTasks;

    @Option(names = "--max-tasks", paramLabel = "N", defaultValue = "" + SynthSettings.DEFAULT_MAX_TASKS,
            description = "Service auto scaling maximum (default: ${DEFAULT-VALUE}). The Auto Scaling group may grow to twice"
                    + " this many tasks' worth of instances: a deploy starts new tasks while old ones finish their calls.")
    int maxTasks;

    @Option(names = "--cpu-target", paramLabel = "PERCENT", defaultValue = "" + SynthSettings.DEFAULT_CPU_TARGET_PERCENT,
            description = "Target of the service's ECS CPU target tracking (default: ${DEFAULT-VALUE}; 10..90). Below the"
                    + " worker's 0.7 load threshold, so the fleet grows before workers report full.")
    int cpuTarget;

    @Option(names = "--lifecycle-hook",
            description = "Add a termination lifecycle hook (" + StackPlan.HOOK_NAME + ") that the worker heartbeats while it"
                    + " has calls; sets HOLDLINE_LIFECYCLE_HOOK and HOLDLINE_LIFECYCLE_HOOK_COMPLETION"
                    + " (complete-when-idle with 1 task per instance, else expire-after-last-heartbeat).")
    boolean lifecycleHook;

    @Option(names = "--lifecycle-hook-heartbeat-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "The hook's heartbeat timeout, 120s..7200s (default: 120s; keep it 120s..300s with several tasks per"
                    + " instance, since the instance outlives its last call by up to this long).")
    Duration hookHeartbeatTimeout;

    @Option(names = "--profiles-path-in-image", paramLabel = "PATH", defaultValue = SynthSettings.DEFAULT_PROFILES_PATH_IN_IMAGE,
            description = "Where the image holds the profile file: the container's HOLDLINE_PROFILES (default: ${DEFAULT-VALUE},"
                    + " where infra/Dockerfile copies it).")
    String profilesPathInImage;

    /** The settings these options describe. */
    SynthSettings settings() {
        return SynthSettings.builder(profiles)
                .outDir(out)
                .stackName(stackName)
                .image(image)
                .agent(agent)
                .livekitUrl(livekitUrl)
                .livekitSecretArn(livekitSecretArn)
                .vpcId(vpcId)
                .subnetIds(subnetIds)
                .availabilityZones(availabilityZones)
                .instanceType(instanceType)
                .tasksPerInstance(tasksPerInstance)
                .taskCpu(taskCpu)
                .taskMemoryMiB(taskMemory)
                .minTasks(minTasks)
                .maxTasks(maxTasks)
                .cpuTargetPercent(cpuTarget)
                .lifecycleHook(lifecycleHook)
                .hookHeartbeatTimeout(hookHeartbeatTimeout == null ? SynthSettings.DEFAULT_HOOK_HEARTBEAT_TIMEOUT : hookHeartbeatTimeout)
                .profilesPathInImage(profilesPathInImage)
                .build();
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StackPlan plan;
        try {
            plan = StackPlan.of(settings());
        } catch (SynthRefusedException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        }
        HoldlineSynth.Result result;
        try {
            result = HoldlineSynth.synth(plan);
        } catch (RuntimeException e) {
            // CDK runs in a Node.js child process (jsii): a missing or broken node ends up here.
            err.println("Synth failed: " + e.getMessage() + " (CDK's jsii runtime needs Node.js: `node` on the PATH)");
            err.flush();
            return 1;
        }
        result.warnings().forEach(w -> err.println("CDK " + w));
        err.flush();
        out.println(summary(result));
        out.flush();
        return 0;
    }

    /** What was written and the numbers that matter, for the operator's terminal and CI logs. */
    static String summary(HoldlineSynth.Result r) {
        StackPlan p = r.plan();
        SynthSettings s = p.settings();
        List<String> parameters = new ArrayList<>();
        if (s.image() == null) {
            parameters.add("WorkerImage");
        }
        if (s.livekitUrl() == null) {
            parameters.add("LiveKitUrl");
        }
        if (s.livekitSecretArn() == null) {
            parameters.add("LiveKitSecretArn");
        }
        String hook = p.hook().map(h -> h.name() + " (heartbeat timeout " + Durations.format(h.heartbeatTimeout()) + ", "
                + h.completion().value + ")").orElse("none");
        return String.join(System.lineSeparator(),
                "Synthesized stack " + s.stackName() + ": " + p.drain().describe(),
                "  template:       " + r.template(),
                "  tasks:          " + p.taskCpu() + " CPU units, " + p.taskMemoryMiB() + " MiB, " + s.tasksPerInstance()
                        + " per " + s.instanceType() + (p.arm64() ? " (arm64)" : "") + "; service " + s.minTasks() + ".."
                        + s.maxTasks() + " tasks on ECS CPU target " + s.cpuTargetPercent() + "%; instances 0.."
                        + p.asgMaxInstances(),
                "  lifecycle hook: " + hook,
                "  VPC:            " + (s.vpcId() == null ? "new (2 AZs)" : s.vpcId() + " " + s.subnetIds()),
                "  deploy-time parameters: " + (parameters.isEmpty() ? "none" : String.join(", ", parameters)));
    }

    /** Durations as the profile file writes them: {@code 120s}, {@code 5m}, {@code PT2M}, {@code 300}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value, "--lifecycle-hook-heartbeat-timeout");
        }
    }
}
