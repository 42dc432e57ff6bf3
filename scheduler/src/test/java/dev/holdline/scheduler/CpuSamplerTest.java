package dev.holdline.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuSamplerTest {

    @Test
    void theShareIsCpuTimeOverWallTimeTimesTheLimit() {
        AtomicLong cpu = new AtomicLong();
        AtomicLong wall = new AtomicLong();
        CpuSampler sampler = new CpuSampler(cpu::get, wall::get, 2.0);
        wall.addAndGet(2_500_000_000L);
        cpu.addAndGet(2_500_000_000L); // one of two cores busy for the whole window
        assertEquals(0.5, sampler.sample(), 1e-9);
        wall.addAndGet(2_500_000_000L);
        cpu.addAndGet(10_000_000_000L); // more than the limit: clamped
        assertEquals(1.0, sampler.sample(), 1e-9);
        assertEquals(1.0, sampler.sample(), 1e-9, "no time passed: the previous value");
    }

    @Test
    void cpuMaxIsReadAsQuotaOverPeriod() {
        assertEquals(1.5, CpuSampler.parseCpuMax(List.of("150000 100000")), 1e-9);
        assertEquals(-1, CpuSampler.parseCpuMax(List.of("max 100000")), 1e-9);
        assertEquals(-1, CpuSampler.parseCpuMax(List.of()), 1e-9);
    }

    @Test
    void theQuotaComesFromThisProcessCgroup(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(root.resolve("proc/self/cgroup"), "0::/ecs/task-1\n");
        Files.createDirectories(root.resolve("sys/fs/cgroup/ecs/task-1"));
        Files.writeString(root.resolve("sys/fs/cgroup/ecs/task-1/cpu.max"), "50000 100000\n");
        assertEquals(0.5, CpuSampler.limitCores(root), 1e-9);
    }

    @Test
    void withoutAQuotaTheJvmProcessorCountIsTheLimit(@TempDir Path root) {
        assertEquals(Runtime.getRuntime().availableProcessors(), CpuSampler.limitCores(root), 1e-9);
    }
}
