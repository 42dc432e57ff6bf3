package dev.holdline.worker;

import dev.holdline.worker.telemetry.ProcFs;

/**
 * {@link ProcFs} for tests, in MB and strict: a figure that cannot be read fails the test
 * instead of counting as 0. Native threads matter here because webrtc-java's leak shows there,
 * not among Java threads.
 */
public final class ProcessStats {
    private ProcessStats() {
    }

    /** OS threads of this process, native ones included. */
    public static int osThreads() {
        return (int) ProcFs.threads("self").orElseThrow(() -> new IllegalStateException("no /proc/self/task"));
    }

    /** Resident memory of this process, in MB. */
    public static long rssMb() {
        return rssMb("self");
    }

    /** Resident memory of process {@code pid}, in MB. */
    public static long rssMb(long pid) {
        return rssMb(Long.toString(pid));
    }

    private static long rssMb(String pid) {
        return ProcFs.rssKib(pid).orElseThrow(() -> new IllegalStateException("no VmRSS in /proc/" + pid + "/status"))
                / 1024;
    }

    /** User + system CPU time of process {@code pid}, in clock ticks (100 a second on Linux). */
    public static long cpuTicks(long pid) {
        return ProcFs.cpuTicks(Long.toString(pid)).orElseThrow(() -> new IllegalStateException("no /proc/" + pid + "/stat"));
    }

    /** Resident memory of process {@code pid} and all its descendants (a worker and its session hosts), in MB. */
    public static long treeRssMb(long pid) {
        return ProcFs.treeRssKib(pid) / 1024;
    }

    /** CPU ticks of process {@code pid} and its live descendants. */
    public static long treeCpuTicks(long pid) {
        return ProcFs.treeCpuTicks(pid);
    }
}
