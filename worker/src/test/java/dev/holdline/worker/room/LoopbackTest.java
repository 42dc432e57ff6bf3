package dev.holdline.worker.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The native rules the room code relies on (DESIGN.md §4), checked on a bare peer-connection pair. */
class LoopbackTest {

    @Test
    void aSineSentThroughWebrtcArrivesAsTheSameSine() throws Exception {
        try (Loopback loop = new Loopback("sine")) {
            loop.startPlayout();
            SineWave tone = new SineWave(440, 0.3, AudioFrame.ROOM_RATE);
            Thread talker = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (loop.output.write(tone.next())) {
                        // paced by backpressure
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            double expectedRms = 0.3 * Short.MAX_VALUE / Math.sqrt(2);
            int loud = 0;
            int crossings = 0;
            short last = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (loud < 200 && System.nanoTime() < deadline) {
                AudioFrame f = loop.input.read(Duration.ofSeconds(1));
                if (f == null || f.rms() < expectedRms / 2) {
                    continue;
                }
                loud++;
                for (short s : f.samples()) {
                    if ((s >= 0) != (last >= 0)) {
                        crossings++;
                    }
                    last = s;
                }
            }
            loop.output.close();
            talker.join(2000);
            assertEquals(200, loud, "loud frames heard");
            double hz = crossings / 2.0 / (loud * 0.01);
            assertTrue(hz > 430 && hz < 450, "frequency heard: " + hz);
        }
    }
}
