package dev.holdline.lifecycle.aws;

import dev.holdline.lifecycle.ecs.EcsMetadataException;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;

/**
 * What the worker learns about its AWS surroundings at start-up, once: whether it runs on ECS (the
 * task metadata endpoint), which task, service and launch type, and the Region. From that follows
 * which of the self-starting drains apply:
 * <ul>
 *   <li>task scale-in protection and the {@link DeploymentWatcher}: tasks of an ECS service;</li>
 *   <li>the {@link InstanceTerminationWatcher}: tasks on an EC2 container instance (launch type
 *       {@code EC2}) — Fargate and ECS Anywhere have no Auto Scaling instance of theirs to watch.</li>
 * </ul>
 * {@link #detect} logs one INFO line saying what it found and what is off, and why.
 */
public final class AwsFacts {
    private static final Logger log = LoggerFactory.getLogger(AwsFacts.class);

    /** The SDK's Region variable; ECS sets it on Fargate, and it wins over the Region in the task ARN. */
    public static final String REGION_ENV = "AWS_REGION";

    private final EcsTaskMetadata task;
    private final Region region;
    private final String regionSource;
    private final String summary;

    private AwsFacts(EcsTaskMetadata task, Region region, String regionSource, String summary) {
        this.task = task;
        this.region = region;
        this.regionSource = regionSource;
        this.summary = summary;
    }

    /**
     * Reads the task metadata endpoint once (through {@link EcsTaskMetadata#fromEnvironment}) and
     * logs one INFO line.
     *
     * @param env     the process environment
     * @param timeout for the metadata request
     * @throws EcsMetadataException when {@value EcsTaskMetadata#METADATA_URI_ENV} is set but the
     *         endpoint cannot be read: on ECS without its metadata the worker should not start
     */
    public static AwsFacts detect(Map<String, String> env, Duration timeout) {
        Objects.requireNonNull(env, "env");
        Optional<EcsTaskMetadata> metadata = EcsTaskMetadata.fromEnvironment(env, timeout);
        Optional<String> envRegion = Optional.ofNullable(env.get(REGION_ENV)).map(String::strip).filter(s -> !s.isEmpty());
        if (metadata.isEmpty()) {
            AwsFacts off = new AwsFacts(null, envRegion.map(Region::of).orElse(null), envRegion.isPresent() ? REGION_ENV : null,
                    "Not on ECS (" + EcsTaskMetadata.METADATA_URI_ENV + " unset): task protection, deployment watcher"
                            + " and instance termination watcher are off");
            log.info(off.summary);
            return off;
        }
        EcsTaskMetadata task = metadata.get();
        Optional<String> arnRegion = regionOfArn(task.taskArn());
        Region region = envRegion.or(() -> arnRegion).map(Region::of).orElse(null);
        String regionSource = envRegion.isPresent() ? REGION_ENV : arnRegion.isPresent() ? "task ARN" : null;

        List<String> off = new ArrayList<>();
        if (task.serviceName().isBlank()) {
            off.add("task protection and deployment watcher off (not part of a service)");
        }
        if (!"EC2".equalsIgnoreCase(task.launchType())) {
            off.add("instance termination watcher off (launch type "
                    + (task.launchType().isBlank() ? "unknown" : task.launchType()) + ", not an EC2 container instance)");
        }
        if (region == null) {
            off.add("no Region (set " + REGION_ENV + "): AWS calls are off");
        }
        String summary = "On ECS: cluster " + orUnknown(task.cluster()) + ", task " + orUnknown(task.taskArn())
                + ", launch type " + orUnknown(task.launchType())
                + ", service " + (task.serviceName().isBlank() ? "(none)" : task.serviceName())
                + ", AZ " + orUnknown(task.availabilityZone())
                + ", task definition " + task.family() + ":" + task.revision()
                + (region == null ? "" : ", region " + region.id() + " (from " + regionSource + ")")
                + (off.isEmpty() ? "" : "; " + String.join("; ", off));
        log.info(summary);
        return new AwsFacts(task, region, regionSource, summary);
    }

    /** Not on ECS, for tests and for callers that skip detection; {@code reason} is the summary. */
    public static AwsFacts off(String reason) {
        return new AwsFacts(null, null, null, Objects.requireNonNull(reason, "reason"));
    }

    /** Whether the task metadata endpoint answered. */
    public boolean onEcs() {
        return task != null;
    }

    /** This task's metadata; empty outside ECS. */
    public Optional<EcsTaskMetadata> task() {
        return Optional.ofNullable(task);
    }

    /** {@value #REGION_ENV} if set, else the Region in the task ARN; empty when neither is known. */
    public Optional<Region> region() {
        return Optional.ofNullable(region);
    }

    /** Where {@link #region()} came from: {@value #REGION_ENV} or {@code task ARN}. */
    public Optional<String> regionSource() {
        return Optional.ofNullable(regionSource);
    }

    /** On ECS in a service, with a Region: task protection and the deployment watcher apply. */
    public boolean serviceTask() {
        return task != null && !task.serviceName().isBlank() && region != null;
    }

    /** On ECS on an EC2 container instance: the instance termination watcher applies. */
    public boolean onEc2Instance() {
        return task != null && "EC2".equalsIgnoreCase(task.launchType());
    }

    /** The line {@link #detect} logged. */
    public String summary() {
        return summary;
    }

    @Override
    public String toString() {
        return summary;
    }

    /** The Region field of an ARN ({@code arn:partition:service:region:account:resource}), if there is one. */
    static Optional<String> regionOfArn(String arn) {
        if (arn == null || !arn.startsWith("arn:")) {
            return Optional.empty();
        }
        String[] parts = arn.split(":", 6);
        return parts.length >= 6 && !parts[3].isBlank() ? Optional.of(parts[3]) : Optional.empty();
    }

    private static String orUnknown(String s) {
        return s.isBlank() ? "(unknown)" : s;
    }
}
