package dev.holdline.scheduler.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HostPoolTest {
    private final AtomicLong now = new AtomicLong();

    private HostPool pool(int k, int n, int warm) {
        return new HostPool(new HostPolicy(k, n, 512L << 20, warm, Duration.ofSeconds(5), Duration.ofSeconds(30)), now::get);
    }

    @Test
    void aWarmHostIsStartedAtOnceAndAFreshOneReplacesItWhenItIsTaken() {
        HostPool p = pool(1, 10, 1);
        assertEquals(List.of(1), p.hostsToStart());
        assertEquals(List.of(), p.hostsToStart(), "a starting host counts as warm");
        p.ready(1);
        assertEquals(new HostPool.Placement(1, false), p.place("a"));
        assertEquals(List.of(2), p.hostsToStart());
    }

    @Test
    void aSessionGoesToTheLeastLoadedReadyHostAndTiesGoToTheHostThatServedMost() {
        HostPool p = pool(4, 100, 0);
        assertEquals(new HostPool.Placement(1, true), p.place("a"));
        p.ready(1);
        assertEquals(1, p.place("b").hostId());
        p.sessionEnded(1, "a");
        p.sessionEnded(1, "b");
        p.place("c"); // host 1 again
        assertEquals(1, p.hostOf("c").orElseThrow());
        HostPool q = pool(2, 100, 0);
        q.place("x");
        q.ready(1);
        q.place("y");
        assertEquals(new HostPool.Placement(2, true), q.place("z"), "host 1 is full");
        q.ready(2);
        q.sessionEnded(1, "x");
        q.sessionEnded(1, "y");
        q.place("w");
        assertEquals(1, q.hostOf("w").orElseThrow(), "both idle: the one that served more fills first");
    }

    @Test
    void aHostRetiresAfterNSessionsAndSaysWhenItShouldExit() {
        HostPool p = pool(1, 2, 0);
        p.place("a");
        p.ready(1);
        assertFalse(p.sessionEnded(1, "a"));
        p.place("b");
        assertEquals(HostPool.State.RETIRING, p.host(1).orElseThrow().state());
        assertEquals(2, p.place("c").hostId(), "a retiring host takes nothing new");
        assertTrue(p.sessionEnded(1, "b"), "retired and empty: exit now");
    }

    @Test
    void aHostPastTheMemoryLimitRetires() {
        HostPool p = pool(4, 100, 0);
        p.place("a");
        p.ready(1);
        assertFalse(p.heartbeat(1, 600L << 20, true), "still has a session");
        assertEquals(HostPool.State.RETIRING, p.host(1).orElseThrow().state());
        assertTrue(p.host(1).orElseThrow().retireReason().contains("512 MB"));
        assertTrue(p.sessionEnded(1, "a"));
    }

    @Test
    void aSilentHostIsUnresponsiveAndAGoneHostGivesBackItsSessions() {
        HostPool p = pool(2, 100, 0);
        p.place("a");
        p.place("b");
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        assertEquals(List.of(), p.unresponsive(), "starting: the start timeout applies");
        p.ready(1);
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertEquals(List.of(1), p.unresponsive());
        assertEquals(Set.of("a", "b"), p.gone(1));
        assertTrue(p.hosts().isEmpty());
    }

    @Test
    void drainingRetiresEveryHostAndStopsTheWarmReserve() {
        HostPool p = pool(1, 100, 1);
        p.hostsToStart();
        p.ready(1);
        p.place("a");
        p.hostsToStart();
        p.ready(2);
        assertEquals(List.of(2), p.drain(), "the idle host exits now");
        assertEquals(List.of(), p.hostsToStart());
        assertTrue(p.sessionEnded(1, "a"));
    }

    @Test
    void policyRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> pool(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> pool(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> pool(1, 1, -1));
    }
}
