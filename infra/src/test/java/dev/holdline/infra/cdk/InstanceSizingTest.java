package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstanceSizingTest {
    @Test
    void regularFamiliesAreSizedFromTheName() {
        assertEquals(Optional.of(new InstanceSizing("c7i.xlarge", 4, 8192, false)), InstanceSizing.of("c7i.xlarge"));
        assertEquals(Optional.of(new InstanceSizing("m7g.large", 2, 8192, true)), InstanceSizing.of("m7g.large"));
        assertEquals(Optional.of(new InstanceSizing("r6i.2xlarge", 8, 65536, false)), InstanceSizing.of("r6i.2xlarge"));
        assertEquals(192, InstanceSizing.of("c7i.48xlarge").orElseThrow().vcpus());
        assertEquals(1, InstanceSizing.of("c7g.medium").orElseThrow().vcpus());
        assertEquals(2, InstanceSizing.of("m7i-flex.large").orElseThrow().vcpus());
    }

    @Test
    void irregularTypesAreNotGuessed() {
        for (String type : new String[] {"t3.medium", "c4.large", "c7i.metal-24xl", "x2idn.16xlarge", "g5.xlarge", "nonsense"}) {
            assertTrue(InstanceSizing.of(type).isEmpty(), type);
        }
    }

    @Test
    void gravitonIsRecognizedByName() {
        assertTrue(InstanceSizing.isArm64("c6gn.xlarge"));
        assertTrue(InstanceSizing.isArm64("m7gd.large"));
        assertTrue(InstanceSizing.isArm64("t4g.small"));
        assertFalse(InstanceSizing.isArm64("c7i.xlarge"));
        assertFalse(InstanceSizing.isArm64("c7a.xlarge"));
    }

    @Test
    void tasksShareTheInstanceEvenly() {
        InstanceSizing c7iXlarge = InstanceSizing.of("c7i.xlarge").orElseThrow();
        assertEquals(4096, c7iXlarge.taskCpu(1));
        assertEquals(1024, c7iXlarge.taskCpu(4));
        assertEquals(6848, c7iXlarge.taskMemoryMiB(1)); // 8192 * 0.9 - 512 = 6860, down to 64 MiB
        assertEquals(1664, c7iXlarge.taskMemoryMiB(4));
        assertTrue(4 * c7iXlarge.taskMemoryMiB(4) < 8192 * 0.9);
    }
}
