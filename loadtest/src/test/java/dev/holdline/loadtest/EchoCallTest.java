package dev.holdline.loadtest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.examples.EchoAgent;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.worker.Worker;
import dev.holdline.worker.room.RoomConnector;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A synthetic caller talks to the {@code echo} example agent through the dev server and hears itself. */
class EchoCallTest {
    private DevServer server;
    private Worker worker;
    private RoomConnector connector;

    @BeforeEach
    void start() throws Exception {
        server = Calls.server().build().start();
        worker = Calls.registered(Calls.worker(server, "echo", new EchoAgent()).build());
        connector = new RoomConnector();
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
        if (connector != null) {
            connector.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theCallerHearsItsOwnSineBackForThirtySeconds() throws Exception {
        server.createDispatch("echo-room", "echo", "");
        try (SyntheticCaller caller = SyntheticCaller.join(connector, server.httpUrl(),
                server.participantToken("echo-room", "caller-1"), "caller-1", SyntheticCaller.Options.defaults())) {
            caller.awaitAgent(Duration.ofSeconds(15));
            // Steady state: measure from 2 s after the first echo, past the start-up renegotiations.
            await().atMost(Duration.ofSeconds(20)).until(() -> caller.report().loudFrames() >= 200);
            SyntheticCaller.Report start = caller.report();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> caller.report().loudFrames() - start.loudFrames() >= 3000);
            SyntheticCaller.Report r = caller.report();
            long loud = r.loudFrames() - start.loudFrames();
            long silent = r.silentFrames() - start.silentFrames();
            long heard = r.framesHeard() - start.framesHeard();
            long expected = r.framesExpected() - start.framesExpected();
            double missing = (double) silent / (loud + silent);
            double shortfall = Math.max(0, expected - heard) / (double) expected;
            System.out.printf("echo call (30 s steady state): heard %d of %d frames (receiver clock shortfall %.2f %%),"
                            + " silent %d, missing %.3f %%, %.1f Hz, RMS %.0f, longest delivery gap %d ms; start-up:"
                            + " first audio %d ms after joining, %d silent frames in the first 2 s%n", heard, expected,
                    100 * shortfall, silent, 100 * missing, r.frequencyHz(), r.rms(), r.longestDeliveryGapMillis(),
                    r.firstAudioMillis(), start.silentFrames());
            assertTrue(missing < 0.01, "missing (silent) frames: " + r);
            // The shortfall is the measuring receiver's own slow playout clock (Report.shortfallShare),
            // so it is printed, not bounded; a receiver that stalls shows as a long gap between frames.
            assertTrue(r.longestDeliveryGapMillis() < 250, "the caller's receiver stalled: " + r);
            assertEquals(440.0, r.frequencyHz(), 5.0, "frequency heard");
            double sent = 0.3 * Short.MAX_VALUE / Math.sqrt(2);
            assertEquals(sent, r.rms(), sent * 0.3, "loudness heard");
        }
        // The caller left: the session ends on its own and the worker is idle again.
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.activeSessions() == 0);
    }
}
