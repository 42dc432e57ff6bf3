package dev.holdline.worker.room;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's voice in the room: write 10 ms frames (48 kHz mono 16-bit, or 24/16 kHz, which
 * are upsampled) and they are played out in real time. {@link #write} blocks while
 * {@link #bufferFrames()} frames are waiting (backpressure paces a fast producer such as TTS);
 * {@link #clear()} drops what is waiting, for barge-in. Between writes the room hears silence.
 *
 * <p>One pacer thread per output pushes a frame every 10 ms into WebRTC: the native audio
 * source must be fed from a single thread (DESIGN.md §4).
 */
public final class AudioOutput implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AudioOutput.class);
    private static final long FRAME_NANOS = TimeUnit.MILLISECONDS.toNanos(AudioFrame.FRAME_MILLIS);
    /** A pacer this far behind (a long GC pause, a stalled machine) restarts its clock instead of bursting. */
    private static final long RESYNC_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final int bufferFrames;
    private final ArrayDeque<byte[]> queue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition space = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private final byte[] silence = new byte[AudioFrame.ROOM_RATE / 100 * 2];
    private final String name;
    private final Condition attachedChanged = lock.newCondition();
    private final Thread pacer;
    private Consumer<byte[]> pusher;
    private boolean pushing;
    private Decimator upsampler;
    private int upsamplerRate;
    private boolean closed;
    private long played;
    private long lateFrames;

    /**
     * Starts the pacer thread; it waits until {@link #attach} gives it somewhere to play.
     *
     * @param bufferFrames how many frames may wait before {@link #write} blocks
     */
    AudioOutput(String name, int bufferFrames) {
        if (bufferFrames < 1) {
            throw new IllegalArgumentException("bufferFrames must be at least 1, got " + bufferFrames);
        }
        this.name = name;
        this.bufferFrames = bufferFrames;
        this.queue = new ArrayDeque<>(bufferFrames);
        this.pacer = Thread.ofPlatform().daemon().name("audio-out-" + name).unstarted(this::pace);
        pacer.setPriority(Thread.MAX_PRIORITY);
        pacer.start();
    }

    /** How many frames may wait before {@link #write} blocks. */
    public int bufferFrames() {
        return bufferFrames;
    }

    /**
     * Queues a frame, waiting while the buffer is full.
     *
     * @return false if the output is closed (the session ended); the frame was not queued
     */
    public boolean write(AudioFrame frame) throws InterruptedException {
        byte[] pcm = toRoomRate(frame);
        lock.lock();
        try {
            while (queue.size() >= bufferFrames && !closed) {
                space.await();
            }
            if (closed) {
                return false;
            }
            queue.add(pcm);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every frame not yet played (barge-in: the caller started talking). */
    public void clear() {
        lock.lock();
        try {
            queue.clear();
            space.signalAll();
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Frames waiting to be played. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every queued frame was played; false on timeout. */
    public boolean awaitPlayout(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!queue.isEmpty() && !closed) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = drained.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Frames handed to WebRTC so far (silence included). */
    public long played() {
        lock.lock();
        try {
            return played;
        } finally {
            lock.unlock();
        }
    }

    /** Frames pushed more than one frame late (the machine could not keep up). */
    public long lateFrames() {
        lock.lock();
        try {
            return lateFrames;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Routes playout into {@code push} (the media path is ready). Until then frames wait in the
     * buffer, so a greeting written before the room connected is not lost.
     */
    void attach(Consumer<byte[]> push) {
        lock.lock();
        try {
            pusher = push;
            attachedChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops routing into the current sink and waits for a push in flight: after this returns the
     * sink may be freed (its native source disposed).
     */
    void detach() {
        lock.lock();
        try {
            pusher = null;
            while (pushing) {
                attachedChanged.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void pace() {
        long next = System.nanoTime();
        while (true) {
            byte[] pcm;
            Consumer<byte[]> push;
            lock.lock();
            try {
                while (pusher == null && !closed) {
                    attachedChanged.awaitUninterruptibly();
                    next = System.nanoTime();
                }
                if (closed) {
                    return;
                }
                push = pusher;
                pcm = queue.poll();
                if (pcm != null) {
                    space.signal();
                    if (queue.isEmpty()) {
                        drained.signalAll();
                    }
                }
                played++;
                if (System.nanoTime() - next > FRAME_NANOS) {
                    lateFrames++;
                }
                pushing = true;
            } finally {
                lock.unlock();
            }
            try {
                push.accept(pcm != null ? pcm : silence);
            } catch (RuntimeException e) {
                log.warn("Audio output '{}': pushing a frame failed; playout waits for the next media path", name, e);
                lock.lock();
                try {
                    if (pusher == push) {
                        pusher = null;
                    }
                } finally {
                    lock.unlock();
                }
            } finally {
                lock.lock();
                try {
                    pushing = false;
                    attachedChanged.signalAll();
                } finally {
                    lock.unlock();
                }
            }
            next += FRAME_NANOS;
            long wait = next - System.nanoTime();
            if (wait < -RESYNC_NANOS) {
                next = System.nanoTime();
            } else if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    /** Stops playout; blocked writers return false. Waits for the pacer, so nothing is pushed after this returns. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            pusher = null;
            queue.clear();
            space.signalAll();
            drained.signalAll();
            attachedChanged.signalAll();
        } finally {
            lock.unlock();
        }
        if (pacer != Thread.currentThread()) {
            LockSupport.unpark(pacer);
            try {
                pacer.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private byte[] toRoomRate(AudioFrame frame) {
        if (frame.sampleRate() == AudioFrame.ROOM_RATE) {
            return frame.toBytes();
        }
        synchronized (this) {
            if (upsampler == null || upsamplerRate != frame.sampleRate()) {
                upsampler = new Decimator(Decimator.factorFor(frame.sampleRate()));
                upsamplerRate = frame.sampleRate();
            }
            return new AudioFrame(upsampler.interpolate(frame.samples()), AudioFrame.ROOM_RATE).toBytes();
        }
    }
}
