package dev.holdline.loadtest.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's memory from {@code /proc/<pid>/status} (Linux). */
final class ProcStatus {
    private ProcStatus() {
    }

    /** VmRSS in KiB, or 0 when the process is gone or /proc is not there. */
    static long rssKib(long pid) {
        return field(pid, "VmRSS:");
    }

    private static long field(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone between listing and reading, or not Linux
        }
        return 0;
    }
}
