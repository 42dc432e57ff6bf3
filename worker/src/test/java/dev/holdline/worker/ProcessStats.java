package dev.holdline.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux's {@code /proc} says of a process: native thread count, resident memory, CPU time.
 * Native threads matter here because webrtc-java's leak shows there, not among Java threads.
 */
public final class ProcessStats {
    private ProcessStats() {
    }

    /** OS threads of this process, native ones included. */
    public static int osThreads() {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    }

    /** User + system CPU time of process {@code pid}, in clock ticks (100 a second on Linux). */
    public static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Resident memory of process {@code pid} and all its descendants (a worker and its session
     * hosts), in MB. A process that exits while being read counts as 0.
     */
    public static long treeRssMb(long pid) {
        return tree(pid).map(p -> {
            try {
                return rssMb(p);
            } catch (UncheckedIOException | IllegalStateException gone) {
                return 0;
            }
        }).sum();
    }

    /** CPU ticks of process {@code pid} and its live descendants (an exited child's time is not counted). */
    public static long treeCpuTicks(long pid) {
        return tree(pid).map(p -> {
            try {
                return cpuTicks(p);
            } catch (UncheckedIOException gone) {
                return 0;
            }
        }).sum();
    }

    private static java.util.stream.LongStream tree(long pid) {
        return java.util.stream.LongStream.concat(java.util.stream.LongStream.of(pid),
                ProcessHandle.of(pid).map(h -> h.descendants().mapToLong(ProcessHandle::pid))
                        .orElseGet(java.util.stream.LongStream::empty));
    }
}
