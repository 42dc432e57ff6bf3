package dev.holdline.devserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WorkerSelectorTest {
    private record Candidate(String name, double load) {}

    private static Map<String, Integer> tally(List<Candidate> candidates, int draws) {
        SplittableRandom random = new SplittableRandom(42);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < draws; i++) {
            Candidate picked = WorkerSelector.pick(candidates, Candidate::load, random).orElseThrow();
            counts.merge(picked.name(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void nothingIsPickedFromNoCandidates() {
        assertEquals(Optional.empty(), WorkerSelector.pick(List.<Candidate>of(), Candidate::load, new SplittableRandom(1)));
    }

    @Test
    void pickingIsWeightedBySpareCapacity() {
        Map<String, Integer> counts = tally(List.of(new Candidate("idle", 0.0), new Candidate("busy", 0.75)), 20_000);
        double idleShare = counts.get("idle") / 20_000.0;
        assertEquals(0.8, idleShare, 0.02, "weights 1.0 vs 0.25 → 80% idle");
    }

    @Test
    void aFullyLoadedWorkerCanStillBePickedRarely() {
        Map<String, Integer> counts = tally(List.of(new Candidate("idle", 0.0), new Candidate("loaded", 1.0)), 20_000);
        int loaded = counts.getOrDefault("loaded", 0);
        assertTrue(loaded > 0 && loaded < 2_000, "picked " + loaded + " times");
    }

    @Test
    void outOfRangeLoadsAreClamped() {
        assertEquals(1.0, WorkerSelector.weight(-3));
        assertEquals(WorkerSelector.MIN_WEIGHT, WorkerSelector.weight(7));
        assertEquals(WorkerSelector.MIN_WEIGHT, WorkerSelector.weight(Double.NaN));
    }
}
