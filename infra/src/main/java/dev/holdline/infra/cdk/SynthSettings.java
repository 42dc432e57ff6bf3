package dev.holdline.infra.cdk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the operator asks the synth for, as given (the {@code synth} command's options, or code).
 * Nothing is checked here; {@link StackPlan#of} validates the whole and derives the rest. The
 * defaults are the constants below; each is explained on {@link SynthCommand}'s options.
 *
 * @param profilesFile         the call-profile file (required): the stop timeout comes from it
 * @param outDir               where the cloud assembly (and the template) is written
 * @param stackName            the CloudFormation stack name and the template's file name
 * @param image                the worker image URI; null: a {@code WorkerImage} stack parameter
 * @param agent                the agent the worker runs ({@code start --agent <agent>})
 * @param livekitUrl           {@code LIVEKIT_URL}; null: a {@code LiveKitUrl} stack parameter
 * @param livekitSecretArn     the complete ARN of the Secrets Manager secret holding the LiveKit
 *                             key and secret; null: a {@code LiveKitSecretArn} stack parameter
 * @param vpcId                an existing VPC; null: the stack creates one
 * @param subnetIds            with {@code vpcId}: the private subnets the instances run in
 * @param availabilityZones    with {@code vpcId}: their AZs, in the same order
 * @param instanceType         the EC2 instance type
 * @param tasksPerInstance     worker tasks per instance (1: one per instance, enforced)
 * @param taskCpu              CPU units per task; null: derived from instance type and tasksPerInstance
 * @param taskMemoryMiB        MiB per task; null: derived likewise
 * @param minTasks             the service's minimum task count (auto scaling)
 * @param maxTasks             the service's maximum task count (auto scaling)
 * @param cpuTargetPercent     the target of the ECS-CPU target-tracking policy
 * @param lifecycleHook        add the termination lifecycle hook the worker heartbeats
 * @param hookHeartbeatTimeout the hook's heartbeat timeout
 * @param profilesPathInImage  where the image holds the profile file ({@code HOLDLINE_PROFILES})
 */
public record SynthSettings(
        Path profilesFile,
        Path outDir,
        String stackName,
        String image,
        String agent,
        String livekitUrl,
        String livekitSecretArn,
        String vpcId,
        List<String> subnetIds,
        List<String> availabilityZones,
        String instanceType,
        int tasksPerInstance,
        Integer taskCpu,
        Integer taskMemoryMiB,
        int minTasks,
        int maxTasks,
        int cpuTargetPercent,
        boolean lifecycleHook,
        Duration hookHeartbeatTimeout,
        String profilesPathInImage) {

    public static final Path DEFAULT_OUT_DIR = Path.of("cdk.out");
    public static final String DEFAULT_STACK_NAME = "Holdline";
    public static final String DEFAULT_AGENT = "hold";
    public static final String DEFAULT_INSTANCE_TYPE = "c7i.xlarge";
    public static final int DEFAULT_TASKS_PER_INSTANCE = 1;
    public static final int DEFAULT_MIN_TASKS = 2;
    public static final int DEFAULT_MAX_TASKS = 10;
    public static final int DEFAULT_CPU_TARGET_PERCENT = 50;
    public static final Duration DEFAULT_HOOK_HEARTBEAT_TIMEOUT = Duration.ofSeconds(120);
    /** Where {@code infra/Dockerfile} copies the profile file; also its {@code HOLDLINE_PROFILES}. */
    public static final String DEFAULT_PROFILES_PATH_IN_IMAGE = "/etc/holdline/profiles.yaml";

    public SynthSettings {
        subnetIds = subnetIds == null ? List.of() : List.copyOf(subnetIds);
        availabilityZones = availabilityZones == null ? List.of() : List.copyOf(availabilityZones);
    }

    /** Every default, {@code profilesFile} set. */
    public static Builder builder(Path profilesFile) {
        return new Builder(profilesFile);
    }

    /** A copy to change. */
    public Builder toBuilder() {
        Builder b = new Builder(profilesFile);
        b.outDir = outDir;
        b.stackName = stackName;
        b.image = image;
        b.agent = agent;
        b.livekitUrl = livekitUrl;
        b.livekitSecretArn = livekitSecretArn;
        b.vpcId = vpcId;
        b.subnetIds = subnetIds;
        b.availabilityZones = availabilityZones;
        b.instanceType = instanceType;
        b.tasksPerInstance = tasksPerInstance;
        b.taskCpu = taskCpu;
        b.taskMemoryMiB = taskMemoryMiB;
        b.minTasks = minTasks;
        b.maxTasks = maxTasks;
        b.cpuTargetPercent = cpuTargetPercent;
        b.lifecycleHook = lifecycleHook;
        b.hookHeartbeatTimeout = hookHeartbeatTimeout;
        b.profilesPathInImage = profilesPathInImage;
        return b;
    }

    /** Settings in code; unset values take the defaults above. */
    public static final class Builder {
        private final Path profilesFile;
        private Path outDir = DEFAULT_OUT_DIR;
        private String stackName = DEFAULT_STACK_NAME;
        private String image;
        private String agent = DEFAULT_AGENT;
        private String livekitUrl;
        private String livekitSecretArn;
        private String vpcId;
        private List<String> subnetIds = List.of();
        private List<String> availabilityZones = List.of();
        private String instanceType = DEFAULT_INSTANCE_TYPE;
        private int tasksPerInstance = DEFAULT_TASKS_PER_INSTANCE;
        private Integer taskCpu;
        private Integer taskMemoryMiB;
        private int minTasks = DEFAULT_MIN_TASKS;
        private int maxTasks = DEFAULT_MAX_TASKS;
        private int cpuTargetPercent = DEFAULT_CPU_TARGET_PERCENT;
        private boolean lifecycleHook;
        private Duration hookHeartbeatTimeout = DEFAULT_HOOK_HEARTBEAT_TIMEOUT;
        private String profilesPathInImage = DEFAULT_PROFILES_PATH_IN_IMAGE;

        private Builder(Path profilesFile) {
            this.profilesFile = Objects.requireNonNull(profilesFile, "profilesFile");
        }

        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder stackName(String v) { stackName = v; return this; }
        public Builder image(String v) { image = v; return this; }
        public Builder agent(String v) { agent = v; return this; }
        public Builder livekitUrl(String v) { livekitUrl = v; return this; }
        public Builder livekitSecretArn(String v) { livekitSecretArn = v; return this; }
        public Builder vpcId(String v) { vpcId = v; return this; }
        public Builder subnetIds(List<String> v) { subnetIds = v; return this; }
        public Builder availabilityZones(List<String> v) { availabilityZones = v; return this; }
        public Builder instanceType(String v) { instanceType = v; return this; }
        public Builder tasksPerInstance(int v) { tasksPerInstance = v; return this; }
        public Builder taskCpu(Integer v) { taskCpu = v; return this; }
        public Builder taskMemoryMiB(Integer v) { taskMemoryMiB = v; return this; }
        public Builder minTasks(int v) { minTasks = v; return this; }
        public Builder maxTasks(int v) { maxTasks = v; return this; }
        public Builder cpuTargetPercent(int v) { cpuTargetPercent = v; return this; }
        public Builder lifecycleHook(boolean v) { lifecycleHook = v; return this; }
        public Builder hookHeartbeatTimeout(Duration v) { hookHeartbeatTimeout = v; return this; }
        public Builder profilesPathInImage(String v) { profilesPathInImage = v; return this; }

        public SynthSettings build() {
            return new SynthSettings(profilesFile, outDir, stackName, image, agent, livekitUrl, livekitSecretArn, vpcId,
                    subnetIds, availabilityZones, instanceType, tasksPerInstance, taskCpu, taskMemoryMiB, minTasks, maxTasks,
                    cpuTargetPercent, lifecycleHook, hookHeartbeatTimeout, profilesPathInImage);
        }
    }
}
