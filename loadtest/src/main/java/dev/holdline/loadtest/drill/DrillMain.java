package dev.holdline.loadtest.drill;

import dev.holdline.lifecycle.profile.Durations;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar holdline-loadtest.jar drill [flags]}: the deploy drill. Exit 0 when the drain
 * run cut no call, 1 when it (or a baseline-only run) cut one, 2 for bad flags, 3 when the drill
 * itself could not run (a worker that would not start).
 */
public final class DrillMain {
    private DrillMain() {
    }

    public static void main(String[] args) {
        // Before the first logger: the drill's own log goes to a file, so it cannot tear the progress line.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "holdline-drill-logback.xml");
        }
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the command line; returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cli = new CommandLine(new Root()).addSubcommand("drill", new DrillCommand(out, err));
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        return cli.execute(args);
    }

    @Command(name = "holdline-loadtest", mixinStandardHelpOptions = true, description = "Holdline load tests.")
    static final class Root implements Callable<Integer> {
        @Override
        public Integer call() {
            System.err.println("Say what to run: 'drill' (the deploy drill). See drill --help.");
            return 2;
        }
    }

    @Command(name = "drill", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Synthetic callers arrive while a fleet of worker processes gets a rolling restart;"
                    + " reports every call the deploy cut.",
                    "Durations: 900s, 15m, 1500ms or PT15M. Call lengths and --stop-timeout are real-world times,"
                            + " multiplied by --time-scale."})
    static final class DrillCommand implements Callable<Integer> {
        /** Every default is DrillOptions.defaults()'s; the help shows it. */
        private static final DrillOptions DEFAULTS = DrillOptions.defaults();
        private final PrintStream out;
        private final PrintStream err;

        @Option(names = "--calls", description = "Callers that arrive (default: ${DEFAULT-VALUE}).")
        int calls = DEFAULTS.calls();

        @Option(names = "--rate", paramLabel = "PER_MINUTE", description = "Arrivals per minute, wall-clock, each jittered by"
                + " up to half an interval (default: ${DEFAULT-VALUE}).")
        double rate = DEFAULTS.ratePerMinute();

        @Option(names = "--call-p50", description = "Median call length, real-world (default: ${DEFAULT-VALUE}).")
        String callP50 = Durations.format(DEFAULTS.callP50());

        @Option(names = "--call-p99", description = "99th percentile call length, real-world (default: ${DEFAULT-VALUE}).")
        String callP99 = Durations.format(DEFAULTS.callP99());

        @Option(names = "--time-scale", description = "Multiplies call lengths and the stop timeout (default: ${DEFAULT-VALUE}:"
                + " a 4 min call lasts 8.4 s).")
        double timeScale = DEFAULTS.timeScale();

        @Option(names = "--talk", description = "Caller's talk turn, wall-clock (default: ${DEFAULT-VALUE}).")
        String talk = Durations.format(DEFAULTS.talk());

        @Option(names = "--pause", description = "Caller's pause between turns, wall-clock; 0s talks all the time (default: ${DEFAULT-VALUE}).")
        String pause = Durations.format(DEFAULTS.pause());

        @Option(names = "--workers", description = "Workers before and after the deploy (default: ${DEFAULT-VALUE}).")
        int workers = DEFAULTS.workers();

        @Option(names = "--min-healthy", paramLabel = "PERCENT", description = "ECS minimumHealthyPercent (default: ${DEFAULT-VALUE}).")
        int minHealthy = DEFAULTS.minHealthyPercent();

        @Option(names = "--max-percent", paramLabel = "PERCENT", description = "ECS maximumPercent (default: ${DEFAULT-VALUE}).")
        int maxPercent = DEFAULTS.maxPercent();

        @Option(names = "--deploy-at", description = "When the rolling restart starts after the first call, wall-clock"
                + " (default: 40 %% into the arrivals).")
        String deployAt;

        @Option(names = "--profiles", paramLabel = "FILE", description = "Call-profile YAML for the workers (default: one"
                + " generated so that drain_timeout covers the longest possible call).")
        Path profiles;

        @Option(names = "--agent", description = "Example agent the workers run: tone (default; plays 440 Hz all the time)"
                + " or echo (plays the caller back; pair with --pause 0s).")
        String agent = DEFAULTS.agent();

        @Option(names = "--baseline", description = "Run only the naive baseline: SIGKILL --stop-timeout after SIGTERM.")
        boolean baseline;

        @Option(names = "--compare", description = "Run the drain drill, then the baseline on the same calls; one report.")
        boolean compare;

        @Option(names = "--stop-timeout", description = "Baseline's fixed stop timeout, real-world, scaled by --time-scale"
                + " (default: ${DEFAULT-VALUE}, ECS's default).")
        String stopTimeout = Durations.format(DEFAULTS.baselineStopTimeout());

        @Option(names = "--cut-silence", description = "Silence after the first audio that cuts a call, wall-clock (default: ${DEFAULT-VALUE}).")
        String cutSilence = Durations.format(DEFAULTS.cutSilence());

        @Option(names = "--seed", description = "Seed of arrivals and lengths (default: ${DEFAULT-VALUE}).")
        long seed = DEFAULTS.seed();

        @Option(names = "--report", paramLabel = "FILE", description = "HTML report; the JSON goes next to it, worker logs"
                + " beside them (default: ${DEFAULT-VALUE}).")
        Path report = Path.of("holdline-drill", "report.html");

        @Option(names = "--worker-jvm-option", paramLabel = "OPTION", description = "Extra JVM option for each worker (repeatable).")
        List<String> workerJvmOptions = new ArrayList<>();

        @Option(names = "--warmup", description = "Uncounted warm-up calls (two per worker) before the measured calls, so"
                + " that the JVMs' first compilations under load are not taken for cuts; 0s for none (default: ${DEFAULT-VALUE}).")
        String warmup = Durations.format(DEFAULTS.warmup());

        @Option(names = "--replacement-nice", paramLabel = "N", description = "Niceness of the workers the deploy starts, so"
                + " that their JVM start-up on this one machine does not starve running calls, as it could not on ECS,"
                + " where they start elsewhere; 0 turns it off (default: ${DEFAULT-VALUE}).")
        int replacementNice = DEFAULTS.replacementNice();

        DrillCommand(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public Integer call() {
            // Before the first logger exists (the dev server's): the drill's log sits next to the report.
            if (System.getProperty("HOLDLINE_DRILL_LOG") == null) {
                System.setProperty("HOLDLINE_DRILL_LOG", report.toAbsolutePath().resolveSibling("drill.log").toString());
            }
            DrillOptions options;
            try {
                if (baseline && compare) {
                    throw new IllegalArgumentException("--baseline and --compare exclude each other: --compare already runs"
                            + " the baseline after the drain drill");
                }
                if (profiles != null && !Files.isReadable(profiles)) {
                    throw new IllegalArgumentException("--profiles " + profiles + " is not a readable file");
                }
                options = new DrillOptions(calls, rate, Durations.parse(callP50, "--call-p50"),
                        Durations.parse(callP99, "--call-p99"), timeScale, Durations.parse(talk, "--talk"),
                        Durations.parse(pause, "--pause"), workers, minHealthy, maxPercent,
                        deployAt == null ? null : Durations.parse(deployAt, "--deploy-at"), profiles, agent,
                        Durations.parse(stopTimeout, "--stop-timeout"), Durations.parse(cutSilence, "--cut-silence"), seed,
                        workerJvmOptions, Durations.parse(warmup, "--warmup"), replacementNice);
                options.validate();
            } catch (IllegalArgumentException e) {
                err.println("drill: " + e.getMessage());
                return 2;
            }
            List<DrillRun.Mode> modes = baseline ? List.of(DrillRun.Mode.BASELINE)
                    : compare ? List.of(DrillRun.Mode.DRAIN, DrillRun.Mode.BASELINE) : List.of(DrillRun.Mode.DRAIN);
            try {
                Drill.Result result = Drill.run(options, modes, report, out, Progress.stdoutIsTerminal());
                return result.exitCode();
            } catch (Exception e) {
                err.println("drill: could not run: " + e.getMessage());
                return 3;
            }
        }
    }
}
