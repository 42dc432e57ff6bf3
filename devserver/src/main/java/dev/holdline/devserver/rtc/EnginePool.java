package dev.holdline.devserver.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer-connection factories (each with its headless audio module), reused from one participant
 * to the next: a disposed webrtc-java factory leaves two native threads behind, so a dev server
 * that disposed one per participant would grow by two threads with every join. A factory still
 * serves one participant at a time (the crash workaround of DESIGN.md §4 is per factory); the
 * pool only ever holds as many as were in use at once.
 */
final class EnginePool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EnginePool.class);

    /** A factory and the audio module it was built with. */
    record Engine(HeadlessAudioDeviceModule adm, PeerConnectionFactory factory) {}

    // Guarded by this.
    private final Deque<Engine> idle = new ArrayDeque<>();
    private int created;
    private boolean closed;

    /** An idle engine, or a new one. Never the default factory constructor: with no sound device it aborts the JVM. */
    synchronized Engine acquire() {
        if (closed) {
            throw new IllegalStateException("the room service is stopping");
        }
        Engine engine = idle.pollFirst();
        if (engine == null) {
            HeadlessAudioDeviceModule adm = new HeadlessAudioDeviceModule();
            engine = new Engine(adm, new PeerConnectionFactory(adm));
            created++;
        }
        return engine;
    }

    /**
     * Takes an engine back once its participant's connections are closed and sources disposed.
     * Its recording thread is stopped (a new participant starts with no send stream), and after
     * {@link #close()} it is disposed instead.
     */
    void release(Engine engine) {
        engine.adm().stopRecording();
        synchronized (this) {
            if (!closed) {
                idle.addLast(engine);
                return;
            }
        }
        dispose(engine);
    }

    synchronized int created() {
        return created;
    }

    /** Disposes the idle engines; engines still in use are disposed when released. */
    @Override
    public void close() {
        List<Engine> disposing;
        synchronized (this) {
            closed = true;
            disposing = new ArrayList<>(idle);
            idle.clear();
        }
        disposing.forEach(EnginePool::dispose);
        log.debug("disposed {} peer-connection factories", disposing.size());
    }

    /** The order that is known to work: factory, then its audio module. */
    private static void dispose(Engine engine) {
        engine.factory().dispose();
        engine.adm().dispose();
    }
}
