package dev.holdline.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private final AtomicLong clock = new AtomicLong();

    private Scheduler scheduler(int slots, LoadFunction load, double threshold) {
        Scheduler s = new Scheduler(new FixedSlotSupplier(slots), load, threshold, Duration.ofMillis(7500), null, clock::get);
        s.setAccepting(true);
        return s;
    }

    private static RejectReason rejection(Admission a) {
        return assertInstanceOf(Admission.Rejected.class, a).reason();
    }

    @Test
    void anOfferIsAcceptedWhileASlotIsFree() {
        Scheduler s = scheduler(2, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        assertTrue(s.offer("a").accepted());
        assertEquals(1, s.reserved());
        assertTrue(s.start("a"));
        assertEquals(1, s.running());
        assertEquals(0, s.reserved());
    }

    @Test
    void offersAreDeclinedWhenEverySlotIsTaken() {
        Scheduler s = scheduler(2, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        assertTrue(s.offer("a").accepted());
        assertTrue(s.offer("b").accepted());
        assertEquals(RejectReason.NO_SLOT, rejection(s.offer("c")));
        assertTrue(s.isFull());
        s.end("a");
        assertFalse(s.isFull());
        assertTrue(s.offer("c").accepted());
    }

    @Test
    void reservedOffersCountAsLoadUnderTheDefaultLoad() {
        Scheduler s = scheduler(4, LoadFunction.DEFAULT, 0.5);
        assertTrue(s.offer("a").accepted());
        assertEquals(0.25, s.load(), 1e-9);
        assertTrue(s.offer("b").accepted());
        assertEquals(0.5, s.load(), 1e-9);
        assertEquals(RejectReason.LOAD_THRESHOLD, rejection(s.offer("c")));
    }

    @Test
    void aDeveloperLoadFunctionDecidesFullness() {
        double[] load = {0.2};
        Scheduler s = scheduler(10, snap -> load[0], 0.7);
        assertTrue(s.offer("a").accepted());
        load[0] = 0.9;
        assertEquals(RejectReason.LOAD_THRESHOLD, rejection(s.offer("b")));
        assertTrue(s.isFull());
    }

    @Test
    void aThrowingLoadFunctionFallsBackToTheDefault() {
        Scheduler s = scheduler(2, snap -> {
            throw new IllegalStateException("boom");
        }, 0.9);
        assertTrue(s.offer("a").accepted());
        assertEquals(0.5, s.load(), 1e-9);
    }

    @Test
    void loadIsClampedToTheUnitInterval() {
        assertEquals(1.0, scheduler(1, snap -> 7, 2).load());
        assertEquals(0.0, scheduler(1, snap -> -3, 2).load());
        assertEquals(1.0, scheduler(1, snap -> Double.NaN, 2).load());
    }

    @Test
    void aReservationThatGetsNoAssignmentIsReleased() {
        Scheduler s = scheduler(1, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        assertTrue(s.offer("a").accepted());
        clock.addAndGet(Duration.ofMillis(7499).toNanos());
        assertEquals(List.of(), s.expireReservations());
        clock.addAndGet(Duration.ofMillis(1).toNanos());
        assertEquals(List.of("a"), s.expireReservations());
        assertFalse(s.start("a"), "a late assignment must not start an expired reservation");
        assertTrue(s.offer("b").accepted());
    }

    @Test
    void aRunningSessionNeverExpires() {
        Scheduler s = scheduler(1, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        s.offer("a");
        s.start("a");
        clock.addAndGet(Duration.ofHours(1).toNanos());
        assertEquals(List.of(), s.expireReservations());
        assertEquals(List.of("a"), s.runningJobIds());
    }

    @Test
    void drainingDeclinesEveryOfferButKeepsSessions() {
        Scheduler s = scheduler(5, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        s.offer("a");
        s.start("a");
        s.startDraining();
        assertEquals(RejectReason.DRAINING, rejection(s.offer("b")));
        assertTrue(s.isFull(), "a draining worker reports full");
        assertEquals(1, s.running());
    }

    @Test
    void aWorkerNotYetAcceptingDeclines() {
        Scheduler s = new Scheduler(new FixedSlotSupplier(1), LoadFunction.DEFAULT, 1, Duration.ofSeconds(1), null, clock::get);
        assertEquals(RejectReason.NOT_ACCEPTING, rejection(s.offer("a")));
    }

    @Test
    void theSameJobIsNeverReservedTwice() {
        Scheduler s = scheduler(5, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        assertTrue(s.offer("a").accepted());
        assertEquals(RejectReason.DUPLICATE_JOB, rejection(s.offer("a")));
        assertEquals(1, s.reserved());
    }

    @Test
    void cancellingAReservationFreesItsSlot() {
        Scheduler s = scheduler(1, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        s.offer("a");
        s.cancel("a", ReleaseReason.OFFER_DECLINED);
        assertFalse(s.start("a"));
        assertTrue(s.offer("b").accepted());
    }

    @Test
    void concurrentOffersNeverOverbook() throws Exception {
        Scheduler s = scheduler(50, LoadFunction.DEFAULT, Double.POSITIVE_INFINITY);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String id = "job-" + i;
            results.add(pool.submit(() -> {
                go.await();
                return s.offer(id).accepted();
            }));
        }
        go.countDown();
        int accepted = 0;
        for (Future<Boolean> f : results) {
            accepted += f.get() ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(50, accepted);
        assertEquals(50, s.reserved());
    }
}
