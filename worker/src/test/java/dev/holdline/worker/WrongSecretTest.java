package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.worker.protocol.AgentConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A wrong secret is named by its key, never shown, and retried with backoff. */
@ExtendWith(NoLeakedThreads.class)
class WrongSecretTest {
    private static final String WRONG = "not-the-secret-5f3e2d1c";
    private final Fixture fx = new Fixture();

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void aWrongSecretGivesAClearErrorNamingTheKeyAndRetries() throws Exception {
        ListAppender<ILoggingEvent> logs = fx.captureLogs("dev.holdline.worker.protocol.AgentConnection");
        Worker worker = fx.startUnregistered(fx.worker("alpha", s -> { })
                .apiSecret(WRONG)
                .reconnectBackoff(Duration.ofMillis(300), Duration.ofSeconds(1)));

        await().atMost(Duration.ofSeconds(10)).until(() ->
                fx.server.events().stream().filter(AgentEvent.AuthRejected.class::isInstance).count() >= 3);
        List<String> lines = Fixture.messages(logs);
        assertTrue(lines.stream().anyMatch(l -> l.contains("rejected the worker token for API key 'devkey'")
                && l.contains("LIVEKIT_API_SECRET")), "no clear error in " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.contains("retry 2 of 16")), "no retries logged in " + lines);
        for (ILoggingEvent e : snapshot(logs)) {
            assertFalse(e.getFormattedMessage().contains(WRONG), "the secret was logged: " + e.getFormattedMessage());
            assertFalse(e.getFormattedMessage().contains(Fixture.SECRET), "the server's secret was logged");
        }
        assertFalse(worker.connectionState() == AgentConnection.State.REGISTERED);

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + worker.healthPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode());
        }
        assertFalse(worker.toString().contains(WRONG));
        assertFalse(worker.options().toString().contains(WRONG));
    }

    private static List<ILoggingEvent> snapshot(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }
}
