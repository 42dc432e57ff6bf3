package dev.holdline.worker.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.LongStream;

/**
 * What Linux's {@code /proc} says of a process ({@code "self"} or a pid): resident memory,
 * native thread count, CPU time, run state. Empty when the process is gone or there is no
 * {@code /proc}; callers choose their own fallback.
 */
public final class ProcFs {
    private ProcFs() {
    }

    /** VmRSS, in KiB. */
    public static OptionalLong rssKib(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // gone between listing and reading, or not Linux
        }
        return OptionalLong.empty();
    }

    /** OS threads, native ones included. */
    public static OptionalLong threads(String pid) {
        try (var tasks = Files.list(Path.of("/proc", pid, "task"))) {
            return OptionalLong.of(tasks.count());
        } catch (IOException | RuntimeException gone) {
            return OptionalLong.empty();
        }
    }

    /** User + system CPU time, in clock ticks (100 a second on Linux). */
    public static OptionalLong cpuTicks(String pid) {
        String[] f = statFields(pid);
        return f == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[11]) + Long.parseLong(f[12]));
    }

    /** The run state letter ({@code R}, {@code S}, {@code Z} for a zombie, …), or 0. */
    public static char state(String pid) {
        String[] f = statFields(pid);
        return f == null ? 0 : f[0].charAt(0);
    }

    /**
     * Resident memory of process {@code pid} and every process under it (a worker and its session
     * hosts), in KiB; a process gone while being read counts as 0.
     */
    public static long treeRssKib(long pid) {
        return tree(pid).map(p -> rssKib(Long.toString(p)).orElse(0)).sum();
    }

    /** CPU ticks of process {@code pid} and its live descendants (an exited child's time is not counted). */
    public static long treeCpuTicks(long pid) {
        return tree(pid).map(p -> cpuTicks(Long.toString(p)).orElse(0)).sum();
    }

    private static LongStream tree(long pid) {
        return LongStream.concat(LongStream.of(pid), ProcessHandle.of(pid)
                .map(h -> h.descendants().mapToLong(ProcessHandle::pid)).orElseGet(LongStream::empty));
    }

    /** The fields of {@code /proc/<pid>/stat} after the command name (which may hold spaces). */
    private static String[] statFields(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }
}
