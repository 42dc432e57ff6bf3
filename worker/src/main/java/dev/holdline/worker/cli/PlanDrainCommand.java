package dev.holdline.worker.cli;

import dev.holdline.lifecycle.planner.CallDurations;
import dev.holdline.lifecycle.planner.DrainPlanner;
import dev.holdline.lifecycle.planner.PlannerInputException;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code holdline plan-drain}: recommends drain_timeout per profile and the stop timeout from
 * observed call durations. Exit 0 with the plan, 2 when the input cannot be used.
 */
@Command(name = "plan-drain", mixinStandardHelpOptions = true,
        description = {"Recommends each profile's drain_timeout (p99 of call duration + headroom, rounded up to a minute),",
                "the matching stopTimeout, and how long a deploy takes, from observed call durations."})
final class PlanDrainCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    static final class Source {
        @Option(names = "--csv", paramLabel = "FILE", required = true,
                description = "One call per line: profile,duration (seconds such as 734.5, or 12m14s). A header line is skipped.")
        Path csv;

        @Option(names = "--metrics", paramLabel = "URL|FILE", required = true,
                description = "A worker's /metrics (http://host:8081/metrics), or a file of Prometheus text with the"
                        + " holdline_call_duration_seconds histogram (series of several workers are added up).")
        String metrics;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--profiles", description = "The profile file in use: its safety margin and wrap-up notices are kept, and"
            + " profiles without data keep their drain_timeout (default: HOLDLINE_PROFILES if set).")
    Path profiles;

    @Option(names = "--safety-margin", description = "Overrides the profile file's (default: the file's, else 10s).")
    String safetyMargin;

    @Option(names = "--percentile", description = "Which percentile drain_timeout covers (default: 99).")
    double percentile = DrainPlanner.DEFAULT_PERCENTILE * 100;

    @Option(names = "--headroom", description = "Added to the percentile before rounding up to a minute (default: 60s).")
    String headroom;

    @Option(names = "--calls", description = "Calls in progress across the service when a deploy starts, for the deploy estimate (default: 20).")
    int calls = DrainPlanner.DEFAULT_CALLS_IN_PROGRESS;

    @Option(names = "--task-startup", description = "How long new tasks take to start and register, for the deploy estimate (default: 60s).")
    String taskStartup;

    PlanDrainCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        try {
            CallDurations observed = source.csv != null ? CallDurations.fromCsv(source.csv) : metrics(source.metrics);
            Optional<Path> file = Optional.ofNullable(profiles)
                    .or(() -> Optional.ofNullable(env.get("HOLDLINE_PROFILES")).filter(s -> !s.isBlank()).map(Path::of));
            Optional<ProfileConfig> current = file.map(f -> ProfileConfig.load(f, Map.of()));
            DrainPlanner.Settings settings = new DrainPlanner.Settings(percentile / 100,
                    headroom == null ? DrainPlanner.DEFAULT_HEADROOM : Durations.parse(headroom, "--headroom"), current,
                    Optional.ofNullable(safetyMargin).map(m -> Durations.parse(m, "--safety-margin")), calls,
                    taskStartup == null ? DrainPlanner.DEFAULT_TASK_STARTUP : Durations.parse(taskStartup, "--task-startup"));
            out.print(DrainPlanner.plan(observed, settings).render());
            return 0;
        } catch (PlannerInputException | ProfileConfigException | IllegalArgumentException e) {
            err.println("Cannot plan: " + e.getMessage());
            return 2;
        }
    }

    private static CallDurations metrics(String where) {
        if (where.startsWith("http://") || where.startsWith("https://")) {
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(where)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new PlannerInputException(where + " answered HTTP " + r.statusCode());
                }
                return CallDurations.fromPrometheus(where, r.body());
            } catch (IOException e) {
                throw new PlannerInputException("cannot read " + where + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PlannerInputException("interrupted reading " + where);
            }
        }
        try {
            return CallDurations.fromPrometheus(where, Files.readString(Path.of(where), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PlannerInputException("cannot read " + where + ": " + e.getMessage());
        }
    }
}
