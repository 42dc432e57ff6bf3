package dev.holdline.worker.cli;

import dev.holdline.lifecycle.ProcessSignals;
import dev.holdline.lifecycle.ecs.EcsMetadataException;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileConfigException;
import dev.holdline.lifecycle.profile.UnsafeDrainConfigException;
import dev.holdline.worker.Worker;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.host.HostOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The worker's command line: {@code start} (production defaults) and {@code dev} (an embedded dev
 * server when {@code LIVEKIT_URL} is unset, debug logs, no load threshold). The application
 * registers its agents by name: {@code --agent <name>} picks the handler and is the agent name
 * jobs are dispatched to. {@code doctor} is the preflight check, {@code plan-drain} the drain planner.
 *
 * <p>Logging belongs to the application; the CLI only sets two system properties its logging config
 * can read, before the first logger exists, unless the property or the environment variable is
 * already set: {@code HOLDLINE_LOG_FORMAT} ({@code json} for {@code start}, {@code text} otherwise)
 * and {@code HOLDLINE_LOG_LEVEL} ({@code DEBUG} for {@code dev}, {@code WARN} for {@code doctor} and
 * {@code plan-drain}, whose output is their report).
 */
public final class WorkerCli {
    private final Map<String, Supplier<AgentHandler>> agents;
    private final EmbeddedServer embeddedServer;
    private final Map<String, String> env;

    private WorkerCli(Map<String, Supplier<AgentHandler>> agents, EmbeddedServer embeddedServer,
                      Map<String, String> env) {
        this.agents = Map.copyOf(agents);
        this.embeddedServer = embeddedServer;
        this.env = env;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Runs the command line and returns the process exit code. */
    public int run(String... args) {
        String command = args.length > 0 ? args[0] : "";
        // Before the first logger is created, so the logging config picks them up.
        switch (command) {
            case "dev" -> defaultProperty("HOLDLINE_LOG_LEVEL", "DEBUG");
            case "doctor", "plan-drain" -> defaultProperty("HOLDLINE_LOG_LEVEL", "WARN");
            default -> { }
        }
        defaultProperty("HOLDLINE_LOG_FORMAT", command.equals("start") ? "json" : "text");
        CommandLine cli = new CommandLine(new Root())
                .addSubcommand("start", new RunCommand(false))
                .addSubcommand("dev", new RunCommand(true))
                .addSubcommand("doctor", new DoctorCommand(env, System.out))
                .addSubcommand("plan-drain", new PlanDrainCommand(env, System.out, System.err));
        return cli.execute(args);
    }

    private void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null && (env.get(name) == null || env.get(name).isBlank())) {
            System.setProperty(name, value);
        }
    }

    @Command(name = "holdline", mixinStandardHelpOptions = true,
            description = "Run a Holdline voice-agent worker.", subcommandsRepeatable = false)
    static final class Root implements Callable<Integer> {
        @Override
        public Integer call() {
            System.err.println("Say what to run: 'start' (production), 'dev' (local, embedded dev server), 'doctor' (preflight)"
                    + " or 'plan-drain' (drain timeouts from call durations). See --help.");
            return 2;
        }
    }

    @Command(mixinStandardHelpOptions = true, description = "Run a worker.")
    final class RunCommand implements Callable<Integer> {
        private final boolean dev;

        @Option(names = "--agent", required = true, description = "Agent to run; also the agent name jobs are dispatched to.")
        String agent;

        @Option(names = "--url", description = "LiveKit URL (default: LIVEKIT_URL).")
        String url;

        @Option(names = "--api-key", description = "LiveKit API key (default: LIVEKIT_API_KEY). The secret is read from LIVEKIT_API_SECRET only.")
        String apiKey;

        @Option(names = "--max-sessions", description = "Sessions this worker holds at most (default: 20).")
        Integer maxSessions;

        @Option(names = "--load-threshold", description = "Load at which the worker reports full (default: 0.7; dev: none).")
        Double loadThreshold;

        @Option(names = "--health-port", description = "Health HTTP port; 0 picks one, -1 disables (default: 8081).")
        Integer healthPort;

        @Option(names = "--profiles", description = "Call-profile file (YAML); default: HOLDLINE_PROFILES, else one built-in profile.")
        Path profiles;

        @Option(names = "--admin-port", description = "Admin API (gRPC) port; 0 picks one, -1 turns it off (default: HOLDLINE_ADMIN_PORT, else off).")
        Integer adminPort;

        @Option(names = "--admin-host", description = "Admin API bind address (default: HOLDLINE_ADMIN_HOST, else 127.0.0.1). Beyond"
                + " localhost it requires a bearer token, read from HOLDLINE_ADMIN_TOKEN only.")
        String adminHost;

        @Option(names = "--session-hosts", negatable = true, description = "Run sessions in supervised child JVMs, so a"
                + " native crash or leak costs only that host's calls (default: on for start, off for dev).")
        Boolean sessionHosts;

        @Option(names = "--sessions-per-host", description = "Sessions one session host runs at once (default: 16; 1 = a process per call).")
        Integer sessionsPerHost;

        @Option(names = "--recycle-hosts-after", description = "Sessions a host is given before it retires (default: 200).")
        Integer recycleHostsAfter;

        @Option(names = "--host-jvm-option", description = "An option of the session hosts' JVMs, e.g. -Xmx512m (repeatable;"
                + " default: none, the hosts do not take the worker's own JVM options).")
        List<String> hostJvmOptions;

        @Option(names = "--dev-server-port", description = "dev only: port of the embedded dev server (default: 7880; 0 picks one).")
        int devServerPort = 7880;

        RunCommand(boolean dev) {
            this.dev = dev;
        }

        @Override
        public Integer call() throws Exception {
            Logger log = LoggerFactory.getLogger(WorkerCli.class);
            Supplier<AgentHandler> factory = agents.get(agent);
            if (factory == null) {
                System.err.println("Unknown agent '" + agent + "'. Known agents: " + String.join(", ", new java.util.TreeSet<>(agents.keySet())));
                return 2;
            }
            AutoCloseable devServer = null;
            AgentHandler handler = factory.get();
            Worker.Builder builder = Worker.builder().env(env).handler(handler).agentName(agent);
            // Production (`start`) runs sessions in hosts unless told not to; `dev` keeps them in-process.
            boolean hosted = sessionHosts != null ? sessionHosts : !dev;
            if (hosted) {
                HostOptions.Builder hosts = HostOptions.builder();
                if (sessionsPerHost != null) {
                    hosts.sessionsPerHost(sessionsPerHost);
                }
                if (recycleHostsAfter != null) {
                    hosts.recycleAfter(recycleHostsAfter);
                }
                if (hostJvmOptions != null) {
                    hosts.jvmOptions(hostJvmOptions);
                }
                try {
                    builder.handlerClass(handler.getClass()).sessionHosts(hosts.build());
                } catch (IllegalArgumentException e) {
                    System.err.println("Cannot start: " + e.getMessage());
                    return 2;
                }
            }
            if (dev) {
                builder.loadThreshold(Double.POSITIVE_INFINITY);
                String configured = url != null ? url : env.get("LIVEKIT_URL");
                if (configured == null || configured.isBlank()) {
                    if (embeddedServer == null) {
                        System.err.println("LIVEKIT_URL is not set and this application has no embedded dev server; set LIVEKIT_URL.");
                        return 2;
                    }
                    EmbeddedServer.Started started = embeddedServer.start(devServerPort);
                    devServer = started.handle();
                    log.info("Started the embedded dev server at {} (API key {})", started.url(), started.apiKey());
                    builder.url(started.url()).apiKey(started.apiKey()).apiSecret(started.apiSecret());
                }
            }
            if (url != null) {
                builder.url(url);
            }
            if (apiKey != null) {
                builder.apiKey(apiKey);
            }
            if (maxSessions != null) {
                builder.maxSessions(maxSessions);
            }
            if (loadThreshold != null) {
                builder.loadThreshold(loadThreshold);
            }
            if (healthPort != null) {
                builder.healthPort(healthPort);
            }
            if (adminPort != null) {
                builder.adminPort(adminPort);
            }
            if (adminHost != null) {
                builder.adminHost(adminHost);
            }
            Worker worker;
            try {
                if (profiles != null) {
                    builder.profiles(ProfileConfig.load(profiles, env));
                }
                worker = builder.build();
                ProcessSignals.install(worker::drain, status -> Runtime.getRuntime().halt(status));
                worker.start();
            } catch (IllegalArgumentException | ProfileConfigException | UnsafeDrainConfigException | EcsMetadataException
                     | java.io.IOException e) {
                // A configuration the worker refuses: one clear message, no stack trace.
                System.err.println("Cannot start: " + e.getMessage());
                closeQuietly(devServer);
                return 2;
            }
            try {
                worker.awaitTermination(Duration.ofDays(36500));
            } finally {
                worker.close();
                closeQuietly(devServer);
            }
            log.info("Worker stopped");
            return 0;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort at exit
            }
        }
    }

    public static final class Builder {
        private final Map<String, Supplier<AgentHandler>> agents = new LinkedHashMap<>();
        private EmbeddedServer embeddedServer;
        private Map<String, String> env = System.getenv();

        /** Registers an agent under {@code name}. */
        public Builder agent(String name, Supplier<AgentHandler> handler) {
            agents.put(name, handler);
            return this;
        }

        /** The in-process server {@code dev} starts when {@code LIVEKIT_URL} is unset. */
        public Builder embeddedServer(EmbeddedServer server) {
            this.embeddedServer = server;
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = env;
            return this;
        }

        public WorkerCli build() {
            return new WorkerCli(agents, embeddedServer, env);
        }
    }
}
