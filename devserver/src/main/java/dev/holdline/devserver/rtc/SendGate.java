package dev.holdline.devserver.rtc;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Guards pushes into one peer-connection factory's audio sources against webrtc-java's headless
 * audio device module (DESIGN.md §4): while the module's recording thread runs it feeds every send
 * stream of the factory, and a concurrent {@code pushAudio} aborts the JVM. libwebrtc restarts that
 * thread whenever a send stream starts, i.e. after each renegotiation that adds a sender.
 *
 * <p>So pushes happen only while armed, under this gate's lock; {@link #disarm()} returns only when
 * no push is in progress, and the owner re-arms after the new senders have sent packets and it has
 * stopped the recording thread again.
 */
final class SendGate {
    private final ReentrantLock lock = new ReentrantLock();
    private boolean armed = true;

    /** Blocks until a push in progress (if any) has finished; no push starts until {@link #arm()}. */
    void disarm() {
        lock.lock();
        try {
            armed = false;
        } finally {
            lock.unlock();
        }
    }

    void arm() {
        lock.lock();
        try {
            armed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code push} under the gate if armed; returns whether it ran. */
    boolean pushIfArmed(Runnable push) {
        lock.lock();
        try {
            if (!armed) {
                return false;
            }
            push.run();
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean isArmed() {
        lock.lock();
        try {
            return armed;
        } finally {
            lock.unlock();
        }
    }
}
