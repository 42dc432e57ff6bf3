package dev.holdline.worker.room;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One remote participant's audio as blocking reads of 10 ms frames (mono 16-bit, at the rate it
 * was opened with: 48, 24 or 16 kHz). Frames arrive from WebRTC's native thread; a reader that
 * falls more than {@link #BUFFER_FRAMES} frames behind loses the oldest ones (counted in
 * {@link #dropped()}), so a slow handler never stalls media. Safe for one reader thread.
 */
public final class AudioStream implements AutoCloseable {
    /** Half a second: enough to ride out a GC pause, little enough to stay conversational. */
    public static final int BUFFER_FRAMES = 50;

    private final String participantIdentity;
    private final int sampleRate;
    private final Decimator decimator;
    private final ArrayDeque<AudioFrame> frames = new ArrayDeque<>(BUFFER_FRAMES);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final Runnable onClose;
    private boolean closed;
    private long received;
    private long dropped;
    private boolean warnedFormat;

    AudioStream(String participantIdentity, int sampleRate, Runnable onClose) {
        this.participantIdentity = participantIdentity;
        this.sampleRate = sampleRate;
        this.decimator = new Decimator(Decimator.factorFor(sampleRate));
        this.onClose = onClose;
    }

    /** The participant whose audio this is. */
    public String participantIdentity() {
        return participantIdentity;
    }

    public int sampleRate() {
        return sampleRate;
    }

    /**
     * The next frame, waiting for it as long as it takes.
     *
     * @return the frame, or null once the stream has ended (the participant left, its track was
     * unpublished, or the session is ending) and every buffered frame was read
     */
    public AudioFrame read() throws InterruptedException {
        lock.lock();
        try {
            while (frames.isEmpty() && !closed) {
                available.await();
            }
            return frames.poll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next frame, waiting up to {@code timeout}.
     *
     * @return the frame, or null on timeout or once the stream has ended ({@link #isEnded()} tells which)
     */
    public AudioFrame read(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (frames.isEmpty() && !closed && nanos > 0) {
                nanos = available.awaitNanos(nanos);
            }
            return frames.poll();
        } finally {
            lock.unlock();
        }
    }

    /** True once the stream has ended and every buffered frame was read. */
    public boolean isEnded() {
        lock.lock();
        try {
            return closed && frames.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Frames delivered by the room so far (including dropped ones). */
    public long received() {
        lock.lock();
        try {
            return received;
        } finally {
            lock.unlock();
        }
    }

    /** Frames lost because the reader fell more than {@link #BUFFER_FRAMES} behind. */
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the stream; a blocked {@link #read()} returns what is buffered, then null. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            available.signalAll();
        } finally {
            lock.unlock();
        }
        onClose.run();
    }

    /**
     * Called on WebRTC's audio thread with what its sink delivered: must not block. Stereo is
     * mixed down; anything not 16-bit 48 kHz is dropped (WebRTC decodes Opus to 48 kHz).
     */
    void deliver(byte[] pcm, int bitsPerSample, int rate, int channels, int samplesPerChannel) {
        if (bitsPerSample != 16 || rate != AudioFrame.ROOM_RATE || samplesPerChannel != rate / 100 || channels < 1) {
            if (!warnedFormat) {
                warnedFormat = true;
                org.slf4j.LoggerFactory.getLogger(AudioStream.class).warn(
                        "Audio from '{}' arrives as {} bit, {} Hz, {} channel(s), {} samples; expected 16 bit 48 kHz"
                                + " 10 ms frames: dropping it", participantIdentity, bitsPerSample, rate, channels,
                        samplesPerChannel);
            }
            return;
        }
        short[] mono = new short[samplesPerChannel];
        for (int i = 0; i < samplesPerChannel; i++) {
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                int at = 2 * (i * channels + c);
                sum += (short) ((pcm[at] & 0xff) | (pcm[at + 1] << 8));
            }
            mono[i] = (short) (sum / channels);
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            AudioFrame frame = new AudioFrame(decimator.process(mono), sampleRate);
            received++;
            if (frames.size() == BUFFER_FRAMES) {
                frames.poll();
                dropped++;
            }
            frames.add(frame);
            available.signal();
        } finally {
            lock.unlock();
        }
    }
}
