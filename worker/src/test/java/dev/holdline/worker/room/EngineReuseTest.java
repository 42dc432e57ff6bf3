package dev.holdline.worker.room;

import static dev.holdline.worker.ProcessStats.osThreads;
import static dev.holdline.worker.ProcessStats.rssMb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A disposed webrtc-java factory leaves native threads behind; a reused one does not. This pins
 * the fact the {@link EnginePool} rests on: many media sessions in a row on pooled engines keep
 * the process's native thread count flat.
 */
class EngineReuseTest {

    @Test
    void sessionsOnPooledEnginesLeaveNoNativeThreadsBehind() throws Exception {
        EnginePool pool = new EnginePool(4);
        int warmThreads = 0;
        long warmRss = 0;
        try {
            for (int i = 0; i < 40; i++) {
                MediaEngine a = pool.acquire();
                MediaEngine b = pool.acquire();
                try (Loopback l = new Loopback("reuse-" + i, a, b, false)) {
                    l.startPlayout();
                    assertNotNull(l.input.read(Duration.ofSeconds(5)), "audio arrived on loopback " + i);
                }
                pool.release(a);
                pool.release(b);
                if (i == 4) {
                    warmThreads = osThreads();
                    warmRss = rssMb();
                }
            }
            int threads = osThreads();
            System.out.printf("40 media sessions on pooled engines: OS threads %d -> %d, RSS %d -> %d MB, engines made %d%n",
                    warmThreads, threads, warmRss, rssMb(), pool.created());
            assertEquals(2, pool.created(), "engines made");
            assertEquals(warmThreads, threads, "OS threads after 35 more sessions");
        } finally {
            pool.close();
        }
    }
}
