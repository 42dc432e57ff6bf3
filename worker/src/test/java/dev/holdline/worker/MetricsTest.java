package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /metrics} of a real worker against the dev server, scraped while the worker takes calls and drains. */
@ExtendWith(NoLeakedThreads.class)
class MetricsTest {
    private final Fixture fx = new Fixture();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        fx.close();
        http.close();
    }

    @Test
    void aScrapeDuringADrainSeesTheStateAndTheCountsMove() throws Exception {
        ProfileConfig profiles = ProfileConfig.builder()
                .profile(new CallProfile("patient", Duration.ofSeconds(60), Duration.ofSeconds(10)))
                .profile(new CallProfile("quick", Duration.ofMillis(1500), Duration.ZERO))
                .defaultProfile("patient")
                .build();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        Worker w = fx.start(fx.worker("alpha", s -> {
            started.incrementAndGet();
            if (s.profile().equals("quick")) {
                s.awaitEnd(); // holds on until the drain deadline ends it
            } else {
                release.await(); // ends on its own when the test says so
            }
        }).profiles(profiles));

        Scrape idle = Scrape.of(http, w);
        assertTrue(idle.contentType().startsWith("text/plain; version=0.0.4"), idle.contentType());
        assertEquals(1, idle.get("holdline_lifecycle_state{state=\"READY\"}"));
        assertEquals(0, idle.get("holdline_lifecycle_state{state=\"DRAINING\"}"));
        assertTrue(idle.series().containsKey("holdline_sessions_active{profile=\"quick\"}"), "every profile has its series from the start");
        assertEquals(1, idle.get("holdline_agent_connected"));

        fx.dispatch("room-p1", "alpha", "");
        fx.dispatch("room-p2", "alpha", "");
        fx.dispatch("room-q", "alpha", "{\"profile\":\"quick\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 3);
        Scrape busy = Scrape.of(http, w);
        assertEquals(2, busy.get("holdline_sessions_active{profile=\"patient\"}"));
        assertEquals(1, busy.get("holdline_sessions_active{profile=\"quick\"}"));
        assertEquals(3, busy.get("holdline_offers_accepted_total"));
        assertEquals(3, busy.get("holdline_offer_answer_seconds_count"));
        assertEquals(3, busy.get("holdline_sessions_started_total{profile=\"patient\"}") + busy.get("holdline_sessions_started_total{profile=\"quick\"}"));

        w.drain();
        Scrape draining = Scrape.of(http, w);
        assertEquals(0, draining.get("holdline_lifecycle_state{state=\"READY\"}"));
        assertEquals(1, draining.get("holdline_lifecycle_state{state=\"DRAINING\"}"));
        assertEquals(1, draining.get("holdline_worker_full"));
        assertEquals(3, draining.get("holdline_sessions_active{profile=\"patient\"}") + draining.get("holdline_sessions_active{profile=\"quick\"}"));

        // A server that routes before it has seen WS_FULL: the worker says no itself, and counts why.
        fx.server.offerToFullWorkers(true);
        fx.dispatch("room-late", "alpha", "");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Scrape.of(http, w).get("holdline_offers_rejected_total{reason=\"draining\"}") >= 1);

        // The quick session reaches its 1.5 s deadline and is ended: counted as cut by the drain.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Scrape.of(http, w).get("holdline_sessions_ended_at_drain_deadline_total{profile=\"quick\"}") == 1);
        Scrape cut = Scrape.of(http, w);
        assertEquals(0, cut.get("holdline_sessions_active{profile=\"quick\"}"));
        assertEquals(1, cut.get("holdline_sessions_ended_total{profile=\"quick\",reason=\"drain_deadline\"}"));
        assertEquals(1, cut.get("holdline_call_duration_seconds_count{profile=\"quick\"}"));
        assertEquals(2, cut.get("holdline_sessions_active{profile=\"patient\"}"));
        assertEquals(1, cut.get("holdline_lifecycle_state{state=\"DRAINING\"}"), "still draining: two calls run on");
        assertTrue(fx.server.jobs().stream().anyMatch(j -> j.room().equals("room-q") && j.status() == JobStatus.JS_FAILED));

        release.countDown();
        assertTrue(w.awaitTermination(Duration.ofSeconds(10)), "the worker stops when the last call ends");
    }

    @Test
    void callDurationsLandInTheirBucketsPerProfile() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> release.await(5, TimeUnit.SECONDS)));
        fx.dispatch("room-d", "alpha", "");
        await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(http, w).get("holdline_sessions_active{profile=\"default\"}") == 1);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(http, w).get("holdline_call_duration_seconds_count{profile=\"default\"}") == 1);
        Scrape s = Scrape.of(http, w);
        assertEquals(1, s.get("holdline_call_duration_seconds_bucket{profile=\"default\",le=\"15.0\"}"), s.series().keySet().stream()
                .filter(k -> k.startsWith("holdline_call_duration_seconds_bucket")).sorted().toList().toString());
        assertEquals(1, s.get("holdline_call_duration_seconds_bucket{profile=\"default\",le=\"+Inf\"}"));
        assertEquals(1, s.get("holdline_sessions_ended_total{profile=\"default\",reason=\"handler_returned\"}"));
        assertEquals(0, s.get("holdline_sessions_active{profile=\"default\"}"));
    }
}
