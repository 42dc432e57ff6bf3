package dev.holdline.worker.room;

import java.util.ArrayDeque;

/**
 * Reuses {@link MediaEngine}s from one session to the next. A webrtc-java factory leaves two
 * native threads and about a megabyte behind when it is disposed (DESIGN.md §4); kept and reused
 * instead, 200 sessions in a row cost what the busiest moment cost, not 200 factories. Each
 * engine still serves one session at a time (one factory per live session is what keeps the
 * native audio path from crashing).
 */
final class EnginePool {
    private final ArrayDeque<MediaEngine> idle = new ArrayDeque<>();
    private final int maxIdle;
    private boolean closed;
    private int created;

    /** @param maxIdle engines kept beyond this many idle ones are disposed */
    EnginePool(int maxIdle) {
        this.maxIdle = maxIdle;
    }

    synchronized MediaEngine acquire() {
        if (closed) {
            throw new IllegalStateException("the room connector is closed");
        }
        MediaEngine e = idle.poll();
        if (e != null) {
            e.reset();
            return e;
        }
        created++;
        return new MediaEngine();
    }

    /** Takes an engine back once everything made from it (connections, sources) is gone. */
    void release(MediaEngine engine) {
        synchronized (this) {
            if (!closed && idle.size() < maxIdle) {
                idle.push(engine);
                return;
            }
        }
        engine.dispose();
    }

    /** How many engines were ever made (what the native leak is proportional to). */
    synchronized int created() {
        return created;
    }

    void close() {
        ArrayDeque<MediaEngine> toDispose;
        synchronized (this) {
            closed = true;
            toDispose = new ArrayDeque<>(idle);
            idle.clear();
        }
        toDispose.forEach(MediaEngine::dispose);
    }
}
