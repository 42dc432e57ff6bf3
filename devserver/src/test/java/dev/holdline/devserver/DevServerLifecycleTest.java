package dev.holdline.devserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.rtc.RtcEvent;
import dev.holdline.devserver.testing.TestRtcClient;
import dev.holdline.devserver.testing.TestWorker;
import dev.holdline.devserver.testing.Tokens;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc.SignalResponse;
import org.junit.jupiter.api.Test;

class DevServerLifecycleTest {

    private static List<String> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("devserver-"))
                .toList();
    }

    @Test
    void aStartedServerReportsItsEphemeralPortAndUrls() {
        try (DevServer server = DevServer.builder().port(0).build().start()) {
            assertNotEquals(0, server.port());
            assertEquals("http://127.0.0.1:" + server.port(), server.httpUrl());
            assertEquals("ws://127.0.0.1:" + server.port(), server.wsUrl());
            assertEquals("devkey", server.apiKey());
            assertEquals("secret", server.apiSecret());
        }
    }

    @Test
    void closeIsIdempotentAndAClosedServerCannotBeUsedOrRestarted() {
        DevServer server = DevServer.builder().port(0).build().start();
        server.createDispatch("room-1", "echo", "");
        server.close();
        server.close();
        assertThrows(IllegalStateException.class, server::port);
        assertThrows(IllegalStateException.class, () -> server.createDispatch("room-2", "echo", ""));
        assertThrows(IllegalStateException.class, server::start);
        assertEquals(1, server.jobs().size(), "what happened stays readable after close");
    }

    @Test
    void nothingCanBeReadBeforeStart() {
        DevServer server = DevServer.builder().port(0).build();
        assertThrows(IllegalStateException.class, server::events);
        assertThrows(IllegalStateException.class, server::port);
        server.close();
    }

    @Test
    void aServerStartsOnlyOnce() {
        try (DevServer server = DevServer.builder().port(0).build().start()) {
            assertThrows(IllegalStateException.class, server::start);
        }
    }

    @Test
    void closingLeavesNoServerThreadsBehindEvenWithAWorkerConnected() {
        DevServer server = DevServer.builder().port(0).build().start();
        try (TestWorker worker = TestWorker.connect(server.wsUrl(), Tokens.worker("devkey", "secret"))) {
            worker.register("echo");
            server.createDispatch("room-1", "echo", "");
            worker.expectOffer();
            server.close();
            assertEquals(1001, worker.awaitClose().statusCode(), "workers see the server going away");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> serverThreads().isEmpty());
    }

    @Test
    void closingTellsRoomParticipantsAndLeavesNoServerThreadsBehind() {
        DevServer server = DevServer.builder().port(0).build().start();
        try (TestRtcClient alice = TestRtcClient.join(server.wsUrl(), server.participantToken("room-1", "alice"));
                TestRtcClient bob = TestRtcClient.join(server.wsUrl(), server.participantToken("room-1", "bob"))) {
            // The server's media side (factory, connections, data channels) is up once it offers.
            alice.expect(SignalResponse.MessageCase.OFFER);
            bob.expect(SignalResponse.MessageCase.OFFER);
            server.close();
            for (TestRtcClient client : List.of(alice, bob)) {
                assertEquals(DisconnectReason.SERVER_SHUTDOWN,
                        client.expect(SignalResponse.MessageCase.LEAVE).getLeave().getReason());
                assertEquals(1000, client.awaitClose().statusCode());
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> serverThreads().isEmpty());
        assertEquals(2, server.rtcEvents().stream().filter(e -> e instanceof RtcEvent.ParticipantLeft left
                && left.reason() == DisconnectReason.SERVER_SHUTDOWN).count(), "readable after close");
    }

    @Test
    void aPortInUseFailsStartWithAMessageNamingIt() {
        try (DevServer first = DevServer.builder().port(0).build().start()) {
            DevServer second = DevServer.builder().port(first.port()).build();
            UncheckedIOException failure = assertThrows(UncheckedIOException.class, second::start);
            assertTrue(failure.getMessage().contains("127.0.0.1:" + first.port()), failure.getMessage());
            second.close();
        }
    }

    @Test
    void theBuilderRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> DevServer.builder().port(-1));
        assertThrows(IllegalArgumentException.class, () -> DevServer.builder().offerTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> DevServer.builder().key("k", ""));
        assertThrows(IllegalArgumentException.class, () -> DevServer.builder().key("k", "a").key("k", "b"));
        assertThrows(IllegalArgumentException.class, () -> DevServer.builder().signalTimeout(Duration.ZERO));
        IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class, () -> DevServer.builder()
                .pingInterval(Duration.ofSeconds(5)).signalTimeout(Duration.ofSeconds(6)).build());
        assertTrue(conflict.getMessage().contains("at least twice pingInterval"), conflict.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DevServer.builder()
                .pingInterval(Duration.ofMillis(500)).build());
    }
}
