package dev.holdline.loadtest;

import static dev.holdline.worker.ProcessStats.osThreads;
import static dev.holdline.worker.ProcessStats.rssMb;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.worker.Worker;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.room.AudioFrame;
import dev.holdline.worker.room.Room;
import dev.holdline.worker.room.SineWave;
import java.time.Duration;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.Test;

/**
 * 200 sessions that join a room, speak and leave, one after another: the process's native
 * thread count stays flat (media engines are reused) and RSS grows only by what webrtc-java
 * never frees per peer connection (DESIGN.md §4; session hosts recycle that away).
 */
class SessionChurnTest {
    static final int SESSIONS = 200;

    @Test
    void twoHundredSessionsInARowLeaveThreadsFlat() throws Exception {
        AgentHandler speakAndLeave = session -> {
            Room room = session.connect();
            SineWave tone = new SineWave(440, 0.2, AudioFrame.ROOM_RATE);
            for (int i = 0; i < 10; i++) {
                room.audioOutput().write(tone.next());
            }
        };
        try (DevServer server = Calls.server().build().start();
             Worker worker = Calls.registered(Calls.worker(server, "churn", speakAndLeave).build())) {
            int warmThreads = 0;
            long warmRss = 0;
            long started = System.nanoTime();
            for (int i = 1; i <= SESSIONS; i++) {
                String room = "churn-" + i;
                server.createDispatch(room, "churn", "");
                await().atMost(Duration.ofSeconds(20)).until(() -> server.jobs().stream()
                        .anyMatch(j -> j.room().equals(room) && j.status() == JobStatus.JS_SUCCESS));
                server.deleteRoom(room);
                if (i == 20) {
                    System.gc();
                    warmThreads = osThreads();
                    warmRss = rssMb();
                }
                if (i % 50 == 0) {
                    System.gc();
                    System.out.printf("after %d sessions: OS threads %d, Java threads %d, RSS %d MB%n", i,
                            osThreads(), Thread.activeCount(), rssMb());
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.activeSessions() == 0);
            System.gc();
            int threads = osThreads();
            long rss = rssMb();
            System.out.printf("%d sessions in %d s: OS threads %d -> %d, RSS %d -> %d MB (%.2f MB per session after warm-up,"
                            + " dev server included)%n", SESSIONS, (System.nanoTime() - started) / 1_000_000_000L,
                    warmThreads, threads, warmRss, rss, (rss - warmRss) / (double) (SESSIONS - 20));
            assertEquals(SESSIONS, server.jobs().stream().map(JobView::status).filter(JobStatus.JS_SUCCESS::equals).count());
            assertTrue(threads <= warmThreads + 8, "OS threads grew from " + warmThreads + " to " + threads);
        }
    }
}
