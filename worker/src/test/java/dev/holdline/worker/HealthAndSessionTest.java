package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.worker.handler.EndReason;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Session outcomes reach the server as job status; the health endpoints tell the truth. */
@ExtendWith(NoLeakedThreads.class)
class HealthAndSessionTest {
    private final Fixture fx = new Fixture();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        fx.close();
        http.close();
    }

    private HttpResponse<String> get(Worker w, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.healthPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthSaysOkOnlyWhileRegisteredAndWorkerShowsTheSessions() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> {
            started.countDown();
            s.awaitEnd();
        }));
        assertEquals(200, get(w, "/").statusCode());
        assertEquals("OK", get(w, "/").body());
        assertEquals(404, get(w, "/nope").statusCode());

        fx.dispatch("room-h", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        JsonNode doc = new ObjectMapper().readTree(get(w, "/worker").body());
        assertEquals("alpha", doc.get("agent_name").asText());
        assertEquals(w.workerId(), doc.get("worker_id").asText());
        assertEquals("READY", doc.get("state").asText());
        assertEquals("WS_AVAILABLE", doc.get("status").asText());
        assertEquals(1, doc.get("active_sessions").asInt());
        assertTrue(doc.get("load").isNumber());

        fx.server.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> get(w, "/").statusCode() == 503);
        assertEquals(1, w.activeSessions(), "losing the server must not end the session");
    }

    @Test
    void aThrowingHandlerFailsOnlyItsOwnSessionWithTheErrorText() throws Exception {
        CountDownLatch otherStarted = new CountDownLatch(1);
        Worker w = fx.start(fx.worker("alpha", s -> {
            if (s.metadata().equals("explode")) {
                throw new IllegalStateException("handler blew up on purpose");
            }
            otherStarted.countDown();
            s.awaitEnd();
        }));
        fx.dispatch("room-ok", "alpha", "hold");
        assertTrue(otherStarted.await(10, TimeUnit.SECONDS));
        fx.dispatch("room-bad", "alpha", "explode");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.jobs().stream().anyMatch(j ->
                j.room().equals("room-bad") && j.status() == JobStatus.JS_FAILED
                        && j.error().equals("IllegalStateException: handler blew up on purpose")));
        assertEquals(1, w.activeSessions());
        assertTrue(fx.server.jobs().stream().anyMatch(j -> j.room().equals("room-ok") && j.status() == JobStatus.JS_RUNNING));
    }

    @Test
    void terminationEndsTheSessionGracefullyAndRunsItsShutdownCallbacks() throws Exception {
        List<EndReason> callbacks = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        fx.start(fx.worker("alpha", s -> {
            s.addShutdownCallback(callbacks::add);
            s.addShutdownCallback(r -> {
                throw new IllegalStateException("a failing callback does not stop the others");
            });
            s.addShutdownCallback(callbacks::add);
            started.countDown();
            s.awaitEnd();
        }));
        var d = fx.dispatch("room-t", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        assertTrue(fx.dispatchClient().deleteDispatch("room-t", d.getId()).execute().isSuccessful());
        await().atMost(Duration.ofSeconds(5)).until(() -> callbacks.size() == 2);
        assertEquals(List.of(EndReason.JOB_TERMINATED, EndReason.JOB_TERMINATED), callbacks);
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.jobs().stream()
                .anyMatch(j -> j.room().equals("room-t") && j.status() == JobStatus.JS_SUCCESS));
    }

    @Test
    void aHandlerThatIgnoresTerminationIsInterruptedAfterTheGrace() throws Exception {
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1);
        fx.start(fx.worker("alpha", s -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // ignores awaitEnd(): a hung handler
            } catch (InterruptedException e) {
                interrupted.complete(true);
                throw e;
            }
        }).terminationGrace(Duration.ofMillis(300)));
        var d = fx.dispatch("room-hung", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        fx.dispatchClient().deleteDispatch("room-hung", d.getId()).execute();
        assertTrue(interrupted.get(5, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.jobs().stream()
                .anyMatch(j -> j.room().equals("room-hung") && j.status() == JobStatus.JS_SUCCESS));
    }

    @Test
    void optionsRefuseMissingSettingsByName() {
        var ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                Worker.builder().env(Map.of()).handler(s -> { }).build());
        assertTrue(ex.getMessage().contains("LIVEKIT_URL"), ex.getMessage());
        ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                Worker.builder().env(Map.of()).url("http://x").apiKey("k").handler(s -> { }).build());
        assertTrue(ex.getMessage().contains("LIVEKIT_API_SECRET"), ex.getMessage());
        ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                Worker.builder().env(Map.of()).url("ftp://x").apiKey("k").apiSecret("s").handler(s -> { }).build());
        assertTrue(ex.getMessage().contains("must start with ws://"), ex.getMessage());
        ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                Worker.builder().env(Map.of()).url("http://x").apiKey("k").apiSecret("s").handler(s -> { })
                        .requestTimeout(Duration.ofSeconds(12)).build());
        assertTrue(ex.getMessage().contains("requestTimeout"), ex.getMessage());
        var opts = Worker.builder().env(Map.of("LIVEKIT_URL", "wss://lk.example", "LIVEKIT_API_KEY", "key", "LIVEKIT_API_SECRET", "s3cr3t-value")).handler(s -> { }).options();
        assertEquals("wss://lk.example", opts.url());
        assertTrue(!opts.toString().contains("s3cr3t-value"));
    }

    @Test
    void aDrainFromCodeShowsOnWorkerAndDeclinesOffersWhileTheSessionRunsOn() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<java.time.Instant> draining = new CompletableFuture<>();
        Worker w = fx.start(fx.worker("alpha", s -> {
            s.addDrainListener(new dev.holdline.worker.handler.DrainListener() {
                @Override
                public void onDraining(java.time.Instant deadline) {
                    draining.complete(deadline);
                }
            });
            started.countDown();
            s.awaitEnd();
        }));
        fx.dispatch("room-d", "alpha", "");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        java.time.Instant before = java.time.Instant.now();
        w.drain();
        java.time.Instant deadline = draining.get(5, TimeUnit.SECONDS);
        // The built-in profile gives 300 s.
        assertTrue(Duration.between(before, deadline).toSeconds() >= 299, "deadline " + deadline);
        JsonNode doc = new ObjectMapper().readTree(get(w, "/worker").body());
        assertEquals("DRAINING", doc.get("state").asText());
        assertEquals("WS_FULL", doc.get("status").asText());
        assertEquals(1, doc.get("active_sessions").asInt());
        assertEquals(200, get(w, "/").statusCode(), "a draining worker is still registered and healthy");
    }
}
