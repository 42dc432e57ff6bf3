package dev.holdline.scheduler;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Measures the CPU this worker used since the previous sample, as a share of the CPU it may use:
 * the cgroup v2 quota ({@code cpu.max}) when one is set, otherwise the processors the JVM sees.
 * Sampling once per status interval (2.5 s) gives the averaged CPU share the load uses.
 */
public final class CpuSampler {
    private final LongSupplier cpuNanos;
    private final LongSupplier wallNanos;
    private final double limitCores;
    private long lastCpu;
    private long lastWall;
    private double lastShare;

    public CpuSampler(LongSupplier cpuNanos, LongSupplier wallNanos, double limitCores) {
        if (!(limitCores > 0)) {
            throw new IllegalArgumentException("limitCores must be > 0, was " + limitCores);
        }
        this.cpuNanos = cpuNanos;
        this.wallNanos = wallNanos;
        this.limitCores = limitCores;
        this.lastCpu = cpuNanos.getAsLong();
        this.lastWall = wallNanos.getAsLong();
    }

    /** CPU time of this JVM, against the cgroup limit of this process. */
    public static CpuSampler forThisProcess() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new CpuSampler(os::getProcessCpuTime, System::nanoTime, limitCores(Path.of("/")));
    }

    /** Cores this process may use: cgroup v2 quota/period when set, else the JVM's processor count. */
    static double limitCores(Path root) {
        double fromCgroup = cgroupQuotaCores(root);
        return fromCgroup > 0 ? fromCgroup : Runtime.getRuntime().availableProcessors();
    }

    static double cgroupQuotaCores(Path root) {
        try {
            Path selfCgroup = root.resolve("proc/self/cgroup");
            if (!Files.isReadable(selfCgroup)) {
                return -1;
            }
            // cgroup v2 has a single "0::/path" line; inside a container the path is "/".
            String rel = null;
            for (String line : Files.readAllLines(selfCgroup)) {
                if (line.startsWith("0::")) {
                    rel = line.substring(3);
                }
            }
            if (rel == null) {
                return -1;
            }
            Path cpuMax = root.resolve("sys/fs/cgroup").resolve(rel.replaceFirst("^/", "")).resolve("cpu.max");
            if (!Files.isReadable(cpuMax)) {
                return -1;
            }
            return parseCpuMax(Files.readAllLines(cpuMax));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@code cpu.max} is "quota period" or "max period"; returns cores, or -1 for no quota. */
    static double parseCpuMax(List<String> lines) {
        if (lines.isEmpty()) {
            return -1;
        }
        String[] parts = lines.get(0).trim().split("\\s+");
        if (parts.length != 2 || parts[0].equals("max")) {
            return -1;
        }
        double quota = Double.parseDouble(parts[0]);
        double period = Double.parseDouble(parts[1]);
        return period > 0 ? quota / period : -1;
    }

    /** The CPU share in [0, 1] since the previous call (the previous value if no time passed). */
    public synchronized double sample() {
        long cpu = cpuNanos.getAsLong();
        long wall = wallNanos.getAsLong();
        long dWall = wall - lastWall;
        if (dWall <= 0) {
            return lastShare;
        }
        double share = (cpu - lastCpu) / (dWall * limitCores);
        lastCpu = cpu;
        lastWall = wall;
        lastShare = Math.max(0, Math.min(1, share));
        return lastShare;
    }

    public double limitCores() {
        return limitCores;
    }
}
