package dev.holdline.loadtest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.examples.EchoAgent;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.worker.Worker;
import dev.holdline.worker.room.RoomConnector;
import io.livekit.server.AccessToken;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A synthetic caller talks to the {@code echo} example agent through the dev server and hears itself. */
class EchoCallTest {
    static final String KEY = "devkey";
    static final String SECRET = "test-secret-0123456789abcdef";

    private DevServer server;
    private Worker worker;
    private RoomConnector connector;

    @BeforeEach
    void start() throws Exception {
        server = DevServer.builder().port(0).key(KEY, SECRET).build().start();
        worker = Worker.builder().env(Map.of())
                .url(server.httpUrl()).apiKey(KEY).apiSecret(SECRET)
                .agentName("echo").handler(new EchoAgent())
                .healthHost("127.0.0.1").healthPort(0)
                .loadThreshold(Double.POSITIVE_INFINITY)
                .build();
        worker.start();
        assertTrue(worker.awaitRegistered(Duration.ofSeconds(10)));
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

    static String callerToken(String room, String identity) {
        AccessToken token = new AccessToken(KEY, SECRET);
        token.setIdentity(identity);
        token.setName(identity);
        token.addGrants(new RoomJoin(true), new RoomName(room));
        return token.toJwt();
    }

    @Test
    void theCallerHearsItsOwnSineBackForThirtySeconds() throws Exception {
        server.createDispatch("echo-room", "echo", "");
        try (SyntheticCaller caller = SyntheticCaller.join(connector, server.httpUrl(),
                callerToken("echo-room", "caller-1"), "caller-1", SyntheticCaller.Options.defaults())) {
            caller.awaitAgent(Duration.ofSeconds(15));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> caller.report().loudFrames() >= 3000);
            SyntheticCaller.Report r = caller.report();
            System.out.printf("echo call: heard %d of %d frames (shortfall %.2f %%), silent %d, longest silence %d ms,"
                            + " missing %.3f %%, %.1f Hz, RMS %.0f, first audio after %d ms%n", r.framesHeard(),
                    r.framesExpected(), 100 * r.shortfallShare(), r.silentFrames(), r.longestSilenceMillis(),
                    100 * r.missingShare(), r.frequencyHz(), r.rms(), r.firstAudioMillis());
            assertTrue(r.missingShare() < 0.01, "missing (silent) frames: " + r);
            assertTrue(r.shortfallShare() < 0.03, "frames never delivered: " + r);
            // Zero crossings read the receiver's time-compression (see shortfallShare) as a higher pitch.
            assertEquals(440.0, r.frequencyHz(), 10.0, "frequency heard");
            double sent = 0.3 * Short.MAX_VALUE / Math.sqrt(2);
            assertEquals(sent, r.rms(), sent * 0.3, "loudness heard");
        }
        // The caller left: the session ends on its own and the worker is idle again.
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.activeSessions() == 0);
    }
}
