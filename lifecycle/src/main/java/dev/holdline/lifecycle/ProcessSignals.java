package dev.holdline.lifecycle;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT for a draining process. SIGTERM (ECS, Docker, Kubernetes) starts the drain;
 * repeating it changes nothing. The first SIGINT (a developer's Ctrl-C) drains the same way, a
 * second one exits at once with 130. A {@link Signal} handler, unlike a shutdown hook, lets the
 * JVM run on through a long drain and exit 0 when done; the JVM installs it as PID 1 too.
 */
public final class ProcessSignals {
    private static final Logger log = LoggerFactory.getLogger(ProcessSignals.class);

    /** Exit status of a forced exit: 128 + SIGINT, what a shell reports for Ctrl-C. */
    public static final int FORCED_EXIT_STATUS = 130;

    private ProcessSignals() {
    }

    /**
     * Installs the handlers.
     *
     * @param drain      starts the drain with a reason; must be idempotent and return quickly
     * @param forcedExit ends the process with the given status (production: {@code Runtime.halt})
     */
    public static void install(Consumer<String> drain, java.util.function.IntConsumer forcedExit) {
        AtomicInteger terms = new AtomicInteger();
        AtomicInteger interrupts = new AtomicInteger();
        Signal.handle(new Signal("TERM"), s -> {
            if (terms.incrementAndGet() == 1) {
                log.info("SIGTERM: draining");
            } else {
                log.info("SIGTERM again: already draining, nothing changes");
            }
            drain.accept("SIGTERM");
        });
        Signal.handle(new Signal("INT"), s -> {
            if (interrupts.incrementAndGet() >= 2) {
                log.warn("Second SIGINT: exiting now ({}), sessions still running are cut", FORCED_EXIT_STATUS);
                forcedExit.accept(FORCED_EXIT_STATUS);
                return;
            }
            log.info("SIGINT: draining (Ctrl-C again to exit at once)");
            drain.accept("SIGINT");
        });
    }
}
