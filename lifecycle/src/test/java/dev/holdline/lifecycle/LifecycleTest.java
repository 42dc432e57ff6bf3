package dev.holdline.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class LifecycleTest {
    private final Lifecycle lifecycle = new Lifecycle();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    {
        lifecycle.addListener((from, to, reason) -> seen.add(from + "->" + to + ":" + reason));
    }

    @Test
    void aWorkerGoesStartingReadyDrainingStopped() {
        assertEquals(LifecycleState.STARTING, lifecycle.state());
        assertTrue(lifecycle.ready());
        assertTrue(lifecycle.drain("SIGTERM"));
        assertTrue(lifecycle.stop("drained"));
        assertEquals(List.of("STARTING->READY:registered", "READY->DRAINING:SIGTERM", "DRAINING->STOPPED:drained"), seen);
    }

    @Test
    void aRepeatedDrainChangesNothing() {
        lifecycle.ready();
        assertTrue(lifecycle.drain("SIGTERM"));
        assertFalse(lifecycle.drain("SIGTERM"));
        assertEquals(LifecycleState.DRAINING, lifecycle.state());
    }

    @Test
    void aWorkerCanDrainWhileStillConnecting() {
        assertTrue(lifecycle.drain("SIGTERM"));
        assertFalse(lifecycle.ready(), "a draining worker never becomes ready again");
        assertEquals(LifecycleState.DRAINING, lifecycle.state());
    }

    @Test
    void aStoppedWorkerCannotBeDrainedOrMadeReady() {
        lifecycle.stop("closed");
        assertFalse(lifecycle.drain("late"));
        assertFalse(lifecycle.ready());
        assertFalse(lifecycle.stop("again"));
        assertEquals(LifecycleState.STOPPED, lifecycle.state());
    }

    @Test
    void listenersHearTransitionsInTheOrderTheyHappenedAcrossThreads() throws Exception {
        java.util.concurrent.CountDownLatch inDrainListener = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        lifecycle.addListener((f, t, r) -> {
            if (t == LifecycleState.DRAINING) {
                inDrainListener.countDown();
                try {
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            order.add(t.name());
        });
        lifecycle.ready();
        Thread draining = Thread.ofPlatform().start(() -> lifecycle.drain("SIGTERM"));
        assertTrue(inDrainListener.await(10, java.util.concurrent.TimeUnit.SECONDS));
        // The state is DRAINING already, so a stop may start; its listeners must wait for DRAINING's.
        Thread stopping = Thread.ofPlatform().start(() -> lifecycle.stop("drained"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> stopping.getState() == Thread.State.BLOCKED);
        release.countDown();
        draining.join(10_000);
        stopping.join(10_000);
        assertEquals(List.of("READY", "DRAINING", "STOPPED"), order);
    }

    @Test
    void aFailingListenerDoesNotStopTheTransitionOrTheOthers() {
        lifecycle.addListener((f, t, r) -> {
            throw new IllegalStateException("boom");
        });
        List<String> after = new CopyOnWriteArrayList<>();
        lifecycle.addListener((f, t, r) -> after.add(t.name()));
        assertTrue(lifecycle.ready());
        assertEquals(List.of("READY"), after);
    }
}
