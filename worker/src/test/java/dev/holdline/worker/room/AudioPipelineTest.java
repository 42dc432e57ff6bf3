package dev.holdline.worker.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The pure-Java audio parts: resampling, the paced output with backpressure, the input buffer. */
class AudioPipelineTest {

    private static double rmsOf(List<AudioFrame> frames) {
        double sum = 0;
        int n = 0;
        for (AudioFrame f : frames) {
            for (short s : f.samples()) {
                sum += (double) s * s;
                n++;
            }
        }
        return Math.sqrt(sum / n);
    }

    private static List<AudioFrame> through(Decimator d, double hz, int rate, boolean down, int frames) {
        SineWave sine = new SineWave(hz, 0.5, rate);
        List<AudioFrame> out = new java.util.ArrayList<>();
        for (int i = 0; i < frames; i++) {
            short[] s = down ? d.process(sine.next().samples()) : d.interpolate(sine.next().samples());
            if (i >= 5) { // skip the filter's warm-up
                out.add(new AudioFrame(s, down ? rate / (rate / (s.length * 100)) : s.length * 100));
            }
        }
        return out;
    }

    @Test
    void downsamplingKeepsSpeechAndRemovesWhatCannotBeRepresented() {
        double full = 0.5 * Short.MAX_VALUE / Math.sqrt(2);
        assertEquals(full, rmsOf(through(new Decimator(3), 1000, 48_000, true, 50)), full * 0.03, "1 kHz at 16 kHz");
        assertEquals(full, rmsOf(through(new Decimator(2), 3000, 48_000, true, 50)), full * 0.03, "3 kHz at 24 kHz");
        // 12 kHz is above 16 kHz's Nyquist frequency: it must not fold back into the speech band.
        assertTrue(rmsOf(through(new Decimator(3), 12_000, 48_000, true, 50)) < full * 0.03);
    }

    @Test
    void upsamplingKeepsTheToneAndItsLevel() {
        double full = 0.5 * Short.MAX_VALUE / Math.sqrt(2);
        List<AudioFrame> up = through(new Decimator(3), 440, 16_000, false, 50);
        assertEquals(480, up.get(0).samples().length);
        assertEquals(full, rmsOf(up), full * 0.03);
    }

    @Test
    void framesMustBeTenMillisecondsAtASupportedRate() {
        assertThrows(IllegalArgumentException.class, () -> new AudioFrame(new short[100], 48_000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Decimator.factorFor(44_100));
        assertTrue(e.getMessage().contains("48000, 24000 or 16000"), e.getMessage());
    }

    @Test
    void outputPlaysFramesInOrderAndBlocksAWriterWhenFull() throws Exception {
        AudioOutput out = new AudioOutput("t", 3);
        try {
            for (int i = 0; i < 3; i++) {
                assertTrue(out.write(frame(i + 1)));
            }
            CountDownLatch fourthQueued = new CountDownLatch(1);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(frame(4));
                    fourthQueued.countDown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // Not attached: nothing plays, so the fourth write must wait.
            assertFalse(fourthQueued.await(200, TimeUnit.MILLISECONDS), "write did not block on a full buffer");
            List<Short> played = new CopyOnWriteArrayList<>();
            CountDownLatch four = new CountDownLatch(4);
            out.attach(pcm -> {
                short first = (short) ((pcm[0] & 0xff) | (pcm[1] << 8));
                if (first != 0) {
                    played.add(first);
                    four.countDown();
                }
            });
            assertTrue(four.await(5, TimeUnit.SECONDS));
            assertTrue(fourthQueued.await(1, TimeUnit.SECONDS));
            writer.join();
            assertEquals(List.of((short) 1, (short) 2, (short) 3, (short) 4), played);
        } finally {
            out.close();
        }
    }

    @Test
    void clearDropsWhatIsQueuedAndCloseReleasesABlockedWriter() throws Exception {
        AudioOutput out = new AudioOutput("t", 2);
        out.write(frame(1));
        out.write(frame(2));
        out.clear();
        assertEquals(0, out.queued());
        out.write(frame(1));
        out.write(frame(2));
        AtomicBoolean result = new AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                result.set(out.write(frame(3)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        org.awaitility.Awaitility.await().until(() -> writer.getState() == Thread.State.WAITING);
        out.close();
        writer.join(2000);
        assertFalse(result.get(), "a write blocked at close returns false");
        assertFalse(out.write(frame(4)));
    }

    @Test
    void detachWaitsForAPushInFlight() throws Exception {
        AudioOutput out = new AudioOutput("t", 2);
        CountDownLatch inPush = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        out.attach(pcm -> {
            inPush.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(inPush.await(2, TimeUnit.SECONDS));
        CountDownLatch detached = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            out.detach();
            detached.countDown();
        });
        assertFalse(detached.await(100, TimeUnit.MILLISECONDS), "detach returned while a push was running");
        release.countDown();
        assertTrue(detached.await(2, TimeUnit.SECONDS));
        t.join();
        out.close();
    }

    @Test
    void inputKeepsTheNewestHalfSecondAndEndsAfterItsBuffer() throws Exception {
        AudioStream in = new AudioStream("caller", 16_000, () -> { });
        byte[] pcm = new byte[960];
        for (int i = 0; i < AudioStream.BUFFER_FRAMES + 5; i++) {
            in.deliver(pcm, 16, 48_000, 1, 480);
        }
        assertEquals(AudioStream.BUFFER_FRAMES + 5, in.received());
        assertEquals(5, in.dropped());
        AudioFrame f = in.read(Duration.ofSeconds(1));
        assertEquals(160, f.samples().length);
        in.close();
        int rest = 0;
        while (in.read() != null) {
            rest++;
        }
        assertEquals(AudioStream.BUFFER_FRAMES - 1, rest);
        assertTrue(in.isEnded());
        assertNull(in.read(Duration.ofMillis(10)));
    }

    @Test
    void stereoIsMixedDownToMono() throws Exception {
        AudioStream in = new AudioStream("caller", 48_000, () -> { });
        byte[] pcm = new byte[480 * 2 * 2];
        for (int i = 0; i < 480; i++) {
            short l = 1000;
            short r = 3000;
            pcm[4 * i] = (byte) l;
            pcm[4 * i + 1] = (byte) (l >> 8);
            pcm[4 * i + 2] = (byte) r;
            pcm[4 * i + 3] = (byte) (r >> 8);
        }
        in.deliver(pcm, 16, 48_000, 2, 480);
        assertEquals(2000, in.read().samples()[0]);
        in.close();
    }

    private static AudioFrame frame(int marker) {
        short[] s = new short[480];
        s[0] = (short) marker;
        return new AudioFrame(s, 48_000);
    }
}
