package dev.holdline.devserver.rtc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that pushes forwarded audio: every 10 ms (on an absolute grid, so wake-up delays
 * do not add up) it asks each registered subscriber to push one frame per relay. A single thread
 * means no two pushes ever overlap, which the headless audio module requires per factory; pushes
 * are cheap (encoding happens on libwebrtc's own encoder queue).
 */
final class AudioPacer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AudioPacer.class);
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Further behind than this (a stalled machine) and the grid restarts instead of bursting. */
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Something with frames to push each tick: one subscriber's relays behind its gate. */
    interface Client {
        void tick();
    }

    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    AudioPacer() {
        thread = Thread.ofPlatform().daemon().name("devserver-rtc-audio").unstarted(this::run);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    void register(Client client) {
        clients.add(client);
    }

    void unregister(Client client) {
        clients.remove(client);
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            for (Client client : clients) {
                try {
                    client.tick();
                } catch (RuntimeException e) {
                    log.warn("audio push failed", e);
                }
            }
            next += TICK_NANOS;
            long now = System.nanoTime();
            if (now - next > MAX_LAG_NANOS) {
                next = now;
            }
            long wait = next - now;
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
