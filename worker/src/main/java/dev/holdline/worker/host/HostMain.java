package dev.holdline.worker.host;

import dev.holdline.worker.handler.AgentHandler;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A session host's entry point: a child JVM the supervisor starts from its own classpath (see
 * {@link HostProcess}). Not for people to run.
 *
 * <p>Arguments: {@code --id N --link ADDRESS --handler CLASS --heartbeat-ms M --grace-ms G}; the
 * key that proves it is the supervisor's own child comes in {@code HOLDLINE_HOST_KEY}. With
 * {@code --train} instead of {@code --id}/{@code --link} it only loads what a host loads and exits
 * normally, so that a JVM started with {@code -XX:ArchiveClassesAtExit} records the class-data
 * archive later hosts start from (see {@link HostClassData}).
 *
 * <p>A host ignores SIGTERM and SIGINT (a Ctrl-C reaches the whole process group; the supervisor
 * drains the hosts itself) and dies with its supervisor: its stdin is a pipe from the supervisor,
 * and end-of-file there — which the kernel delivers however the supervisor ended, SIGKILL
 * included — halts the host at once. The one byte the supervisor ever writes there,
 * {@link #DISMISS}, means "you hold no session; exit now" (status 0): quicker than a goodbye over
 * gRPC, and it reaches a host that has not attached yet.
 */
public final class HostMain {
    /** Exit status when the supervisor has gone. */
    static final int ORPHANED = 3;
    /** Exit status when the host cannot start (bad arguments, handler class). */
    static final int CANNOT_START = 2;
    /** Written by the supervisor on the host's stdin: exit now, with status 0. */
    static final int DISMISS = 'q';

    private HostMain() {
    }

    public static void main(String[] args) {
        ignore("TERM");
        ignore("INT");
        watchLifeline(System.in);
        Logger log = LoggerFactory.getLogger(HostMain.class);
        HostAgent agent;
        try {
            Map<String, String> a = parse(args);
            if (a.containsKey("--train")) {
                HostAgent.train(newHandler(a.get("--handler")), Duration.ofMillis(Long.parseLong(a.get("--grace-ms"))));
                System.out.flush();
                // exit, not halt: the class-data archive is written on the way out.
                System.exit(0);
                return;
            }
            int id = Integer.parseInt(a.get("--id"));
            AgentHandler handler = newHandler(a.get("--handler"));
            agent = new HostAgent(id, handler, Duration.ofMillis(Long.parseLong(a.get("--heartbeat-ms"))),
                    Duration.ofMillis(Long.parseLong(a.get("--grace-ms"))));
            agent.attach(a.get("--link"), System.getenv().getOrDefault("HOLDLINE_HOST_KEY", ""));
        } catch (InterruptedException e) {
            Runtime.getRuntime().halt(CANNOT_START);
            return;
        } catch (RuntimeException | ReflectiveOperationException | IOException e) {
            log.error("Session host cannot start: {}", e.toString(), e);
            System.out.flush();
            Runtime.getRuntime().halt(CANNOT_START);
            return;
        }
        int status = agent.awaitExit();
        System.out.flush();
        System.err.flush();
        // halt, not exit: native media teardown at JVM exit is not worth the risk of a crash that
        // would make a clean exit look like a failure; the sessions have ended by now.
        Runtime.getRuntime().halt(status);
    }

    /** Creates the handler the way a host must: by class name, with its public no-arg constructor. */
    static AgentHandler newHandler(String className) throws ReflectiveOperationException {
        if (className == null) {
            throw new IllegalArgumentException("--handler is missing");
        }
        Class<?> c = Class.forName(className);
        if (!AgentHandler.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(className + " is not an AgentHandler");
        }
        return (AgentHandler) c.getConstructor().newInstance();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--train")) {
                m.put("--train", "");
            } else if (i + 1 < args.length) {
                m.put(args[i], args[++i]);
            }
        }
        String[] needed = m.containsKey("--train") ? new String[] {"--handler", "--grace-ms"}
                : new String[] {"--id", "--link", "--handler", "--heartbeat-ms", "--grace-ms"};
        for (String required : needed) {
            if (!m.containsKey(required)) {
                throw new IllegalArgumentException("missing " + required);
            }
        }
        return m;
    }

    private static void ignore(String signal) {
        try {
            Signal.handle(new Signal(signal), SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException e) {
            // Not a signal on this platform; nothing to ignore.
        }
    }

    /** Halts when the supervisor's end of our stdin closes, or when it dismisses us. */
    private static void watchLifeline(InputStream in) {
        Thread.ofPlatform().daemon().name("holdline-host-lifeline").start(() -> {
            try {
                for (int b; (b = in.read()) != -1; ) {
                    if (b == DISMISS) {
                        System.out.flush();
                        Runtime.getRuntime().halt(0);
                    }
                }
            } catch (IOException e) {
                // A broken pipe means the same: the supervisor is gone.
            }
            System.err.println("Session host: the supervisor is gone (stdin closed); halting");
            Runtime.getRuntime().halt(ORPHANED);
        });
    }
}
