package dev.holdline.devserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.testing.RtcTestSupport;
import dev.holdline.devserver.testing.TestRtcClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import livekit.LivekitRtc.SignalResponse;
import org.junit.jupiter.api.Test;

/**
 * Participants coming and going do not grow the process: every join builds server-side WebRTC
 * (factory, two connections, data channels), and webrtc-java leaves two native threads behind
 * for each factory it disposes, so the server must reuse its factories.
 */
class RtcChurnTest extends RtcTestSupport {
    private static final int WARM_UP = 10;
    private static final int JOINS = 50;

    private static int osThreads() {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return (int) tasks.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void fiftyJoinsAndLeavesLeaveTheThreadCountFlat() {
        int warm = 0;
        for (int i = 1; i <= JOINS; i++) {
            String room = "churn-" + i;
            try (TestRtcClient client = TestRtcClient.join(server.wsUrl(), server.participantToken(room, "caller"))) {
                client.expect(SignalResponse.MessageCase.OFFER); // the server's media side is up
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.room(room).isEmpty());
            if (i == WARM_UP) {
                warm = osThreads();
            }
        }
        int warmThreads = warm;
        // Teardown finishes on the participants' own threads; give the last one time to end.
        await().atMost(Duration.ofSeconds(10)).until(() -> osThreads() <= warmThreads + 4);
        System.out.println("[RtcChurnTest] OS threads after " + WARM_UP + " joins: " + warmThreads + ", after "
                + JOINS + ": " + osThreads());
        assertTrue(osThreads() <= warmThreads + 4);
    }
}
