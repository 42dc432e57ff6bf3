package dev.holdline.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.profile.CallProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class DrainCoordinatorTest {
    private static final CallProfile SUPPORT = new CallProfile("support", Duration.ofSeconds(900), Duration.ofSeconds(60));
    private static final CallProfile SCHEDULING = new CallProfile("scheduling", Duration.ofSeconds(300), Duration.ofSeconds(30));
    private static final Instant EPOCH = Instant.parse("2026-11-21T10:00:00Z");

    private final ManualTimer timer = new ManualTimer();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final DrainCoordinator drain = new DrainCoordinator(new DrainCoordinator.Target() {
        @Override
        public void onDraining(String jobId, Instant deadline) {
            events.add(at() + " draining " + jobId + " until " + deadline);
        }

        @Override
        public void onWrapUp(String jobId, Instant deadline) {
            events.add(at() + " wrap-up " + jobId);
        }

        @Override
        public void onDeadline(String jobId) {
            events.add(at() + " deadline " + jobId);
            drainEnd(jobId);
        }
    }, timer, timer::now, () -> EPOCH.plusNanos(timer.now()));

    private void drainEnd(String jobId) {
        // The runtime ends the session when told; it reports back like any other end.
        drain.sessionEnded(jobId);
    }

    private long at() {
        return timer.now() / 1_000_000_000L;
    }

    private static long secs(long s) {
        return Duration.ofSeconds(s).toNanos();
    }

    @Test
    void eachSessionGetsItsOwnProfilesDeadlineAndWrapUpNotice() {
        drain.sessionStarted("a", SUPPORT);
        drain.sessionStarted("b", SCHEDULING);
        timer.advance(secs(100));
        assertTrue(drain.start(Optional.empty()));
        assertEquals(List.of("100 draining a until " + EPOCH.plusSeconds(1000), "100 draining b until " + EPOCH.plusSeconds(400))
                .stream().sorted().toList(), events.stream().sorted().toList());
        events.clear();
        timer.advance(secs(900));
        assertEquals(List.of("370 wrap-up b", "400 deadline b", "940 wrap-up a", "1000 deadline a"), events);
        assertEquals(new DrainReport(2, 0, 2, Duration.ofSeconds(900)), drain.report().orElseThrow());
    }

    @Test
    void theHardLimitCapsEveryDeadline() {
        drain.sessionStarted("a", SUPPORT);
        drain.sessionStarted("b", SCHEDULING);
        drain.start(Optional.of(Duration.ofSeconds(600)));
        events.clear();
        timer.advance(secs(1000));
        assertEquals(List.of("270 wrap-up b", "300 deadline b", "540 wrap-up a", "600 deadline a"), events);
    }

    @Test
    void aSessionThatEndsOnItsOwnIsCountedFinishedAndItsTimersAreCancelled() {
        drain.sessionStarted("a", SCHEDULING);
        drain.sessionStarted("b", SCHEDULING);
        drain.start(Optional.empty());
        timer.advance(secs(10));
        drain.sessionEnded("a");
        assertEquals(2, timer.pending(), "only b's wrap-up and deadline remain");
        timer.advance(secs(300));
        assertEquals(new DrainReport(2, 1, 1, Duration.ofSeconds(300)), drain.report().orElseThrow());
        assertFalse(events.contains("270 wrap-up a"));
    }

    @Test
    void aSessionStartingDuringTheDrainGetsItsDeadlineFromItsOwnStartCappedByTheHardLimit() {
        drain.start(Optional.of(Duration.ofSeconds(400)));
        timer.advance(secs(50));
        drain.sessionStarted("late", SCHEDULING); // 50 + 300 = 350 < 400
        drain.sessionStarted("late-long", SUPPORT); // 50 + 900 capped at 400
        assertEquals(Optional.of(EPOCH.plusSeconds(350)), drain.deadlineOf("late"));
        assertEquals(Optional.of(EPOCH.plusSeconds(400)), drain.deadlineOf("late-long"));
        timer.advance(secs(400));
        assertTrue(events.contains("350 deadline late"));
        assertTrue(events.contains("400 deadline late-long"));
    }

    @Test
    void aSecondStartChangesNothing() {
        drain.sessionStarted("a", SCHEDULING);
        assertTrue(drain.start(Optional.empty()));
        timer.advance(secs(100));
        assertFalse(drain.start(Optional.of(Duration.ofSeconds(1))), "a repeated drain must not move deadlines");
        assertEquals(Optional.of(EPOCH.plusSeconds(300)), drain.deadlineOf("a"));
    }

    @Test
    void beforeTheDrainThereAreNoDeadlinesAndNoReport() {
        drain.sessionStarted("a", SUPPORT);
        assertEquals(Optional.empty(), drain.deadlineOf("a"));
        assertEquals(Optional.empty(), drain.report());
        assertEquals(0, timer.pending());
        drain.sessionEnded("a");
        assertEquals(0, drain.remaining());
    }

    @Test
    void aDrainWithNoSessionsReportsZeroAtOnce() {
        assertTrue(drain.start(Optional.empty()));
        assertEquals(new DrainReport(0, 0, 0, Duration.ZERO), drain.report().orElseThrow());
    }
}
