package dev.holdline.devserver;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Command-line entry point: {@code java -jar holdline-devserver.jar --port 7880}. Runs until
 * SIGTERM or Ctrl-C, then stops cleanly and exits 0; a second Ctrl-C while stopping exits at once.
 * Bad arguments exit 2 with a message naming the flag.
 */
public final class DevServerMain {
    static {
        // Before the first logger exists: the standalone jar uses its own logging config, which is
        // not called logback.xml so that applications embedding the dev server keep theirs.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "holdline-devserver-logback.xml");
        }
    }

    private static final Logger log = LoggerFactory.getLogger(DevServerMain.class);
    static final int EXIT_USAGE = 2;
    static final int EXIT_STARTUP_FAILED = 1;

    private DevServerMain() {}

    public static void main(String[] args) {
        int status = run(args, System.getenv(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine.Options options;
        try {
            options = CommandLine.parse(args, env);
        } catch (CommandLine.UsageException e) {
            err.println("devserver: " + e.getMessage());
            err.println("Run with --help for usage.");
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(CommandLine.usage());
            return 0;
        }
        if (options.keysFromDefault()) {
            log.warn("no --keys or {} given: accepting only the well-known development key '{}'."
                    + " Anyone who can reach this port can use it.", CommandLine.KEYS_ENV, options.keys().primaryKey());
        }

        DevServer server = DevServer.builder()
                .host(options.host())
                .port(options.port())
                .keys(options.keys())
                .offerTimeout(options.offerTimeout())
                .registerTimeout(options.registerTimeout())
                .build();
        try {
            server.start();
        } catch (RuntimeException e) {
            log.error("{}", e.getMessage());
            return EXIT_STARTUP_FAILED;
        }

        CountDownLatch stopRequested = new CountDownLatch(1);
        installStopSignals(stopRequested);
        // Backstop for a stop that bypasses the signal handlers (e.g. System.exit elsewhere).
        Thread hook = new Thread(server::close, "devserver-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        log.info("press Ctrl-C to stop");
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("stopping");
        server.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down; the hook's close() is a no-op now
        }
        return 0;
    }

    /**
     * TERM and INT request a clean stop instead of the JVM's default exit (status 143/130 and a
     * race with the shutdown hook). A second signal while stopping halts at once.
     */
    private static void installStopSignals(CountDownLatch stopRequested) {
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (stopping.compareAndSet(false, true)) {
                        log.info("received SIG{}", signal.getName());
                        stopRequested.countDown();
                    } else {
                        log.warn("second SIG{} while stopping: exiting now", signal.getName());
                        Runtime.getRuntime().halt(130);
                    }
                });
            } catch (IllegalArgumentException e) {
                log.debug("signal {} not available here; relying on the shutdown hook", name);
            }
        }
    }
}
