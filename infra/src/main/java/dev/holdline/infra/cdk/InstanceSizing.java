package dev.holdline.infra.cdk;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an EC2 instance type offers, read from its name, and how a task is sized to share it.
 * The synth runs offline, so it cannot ask EC2 ({@code DescribeInstanceTypes}); it knows the
 * regular families instead — {@code c}, {@code m} and {@code r}, generation 5 or later, in the
 * sizes {@code medium}, {@code large}, {@code xlarge} and {@code <n>xlarge} — whose memory per vCPU
 * is fixed (2, 4 and 8 GiB). Anything else (burstable {@code t}, older generations, {@code metal},
 * other families) needs {@code --task-cpu} and {@code --task-memory}.
 *
 * @param instanceType the type as given, e.g. {@code c7i.xlarge}
 * @param vcpus        its vCPUs
 * @param memoryMiB    its memory
 * @param arm64        true for Graviton types (a {@code g} after the generation: {@code c7g},
 *                     {@code m7gd}, {@code c6gn}); they need the ARM ECS-optimized AMI and an
 *                     {@code linux/arm64} worker image
 */
public record InstanceSizing(String instanceType, int vcpus, int memoryMiB, boolean arm64) {
    private static final Pattern TYPE = Pattern.compile("([a-z]+)([0-9]+)([a-z-]*)\\.([0-9]*)(medium|large|xlarge)");
    private static final Pattern ANY_TYPE = Pattern.compile("([a-z]+)([0-9]+)([a-z-]*)\\.[a-z0-9-]+");

    /**
     * Memory kept back from the tasks on each instance, besides the 10 % the kernel and the ECS
     * agent's own accounting take: the ECS agent, Docker and the OS daemons. {@value} MiB.
     */
    static final int HOST_RESERVED_MIB = 512;

    /** ECS's smallest useful task size here. */
    static final int MIN_TASK_CPU = 256;
    static final int MIN_TASK_MEMORY_MIB = 512;

    /** What a known type offers; empty for a type outside the regular families. */
    public static Optional<InstanceSizing> of(String instanceType) {
        Matcher m = TYPE.matcher(instanceType.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        int memoryPerVcpu = switch (m.group(1)) {
            case "c" -> 2048;
            case "m" -> 4096;
            case "r" -> 8192;
            default -> 0;
        };
        int generation = Integer.parseInt(m.group(2));
        if (memoryPerVcpu == 0 || generation < 5) {
            return Optional.empty();
        }
        int vcpus = switch (m.group(5)) {
            case "medium" -> m.group(4).isEmpty() ? 1 : 0;
            case "large" -> m.group(4).isEmpty() ? 2 : 0;
            default -> m.group(4).isEmpty() ? 4 : 4 * Integer.parseInt(m.group(4));
        };
        if (vcpus == 0) {
            return Optional.empty();
        }
        return Optional.of(new InstanceSizing(instanceType, vcpus, vcpus * memoryPerVcpu, isArm64(instanceType)));
    }

    /** Graviton by name, for any type (also ones {@link #of} does not size). */
    public static boolean isArm64(String instanceType) {
        Matcher m = ANY_TYPE.matcher(instanceType.toLowerCase(Locale.ROOT));
        return m.matches() && m.group(3).startsWith("g");
    }

    /** Whether the name looks like an EC2 instance type at all ({@code family<generation>[attrs].size}). */
    public static boolean looksLikeInstanceType(String instanceType) {
        return ANY_TYPE.matcher(instanceType).matches();
    }

    /**
     * CPU units for one of {@code tasksPerInstance} equal tasks: the instance's {@code vcpus × 1024}
     * (what the ECS agent registers) divided evenly, rounded down.
     */
    public int taskCpu(int tasksPerInstance) {
        return vcpus * 1024 / tasksPerInstance;
    }

    /**
     * MiB for one of {@code tasksPerInstance} equal tasks: 90 % of the instance's memory (the agent
     * registers what the OS reports, a few percent less than the nominal size) less
     * {@value #HOST_RESERVED_MIB} MiB for the agent, Docker and the OS, divided evenly, rounded
     * down to a multiple of 64 MiB.
     */
    public int taskMemoryMiB(int tasksPerInstance) {
        int usable = memoryMiB * 9 / 10 - HOST_RESERVED_MIB;
        return usable / tasksPerInstance / 64 * 64;
    }
}
