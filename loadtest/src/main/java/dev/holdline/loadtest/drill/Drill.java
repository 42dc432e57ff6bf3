package dev.holdline.loadtest.drill;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the drill in one or more modes on the same call plan and writes the report. */
public final class Drill {
    private Drill() {
    }

    /**
     * @param runs     one result per mode, in order
     * @param html     the HTML report
     * @param json     the same figures as JSON
     * @param exitCode 0 when the drain run (or, alone, the baseline run) cut no call, else 1
     */
    public record Result(List<RunResult> runs, Path html, Path json, int exitCode) {
    }

    public static Result run(DrillOptions options, List<DrillRun.Mode> modes, Path report, PrintStream out,
                             boolean terminal) throws Exception {
        options.validate();
        Path html = report.toAbsolutePath().normalize();
        Path dir = html.getParent();
        Files.createDirectories(dir);
        String base = html.getFileName().toString().replaceFirst("\\.html?$", "");
        Path json = dir.resolve(base + ".json");
        CallPlan plan = CallPlan.of(options);
        out.printf("Deploy drill: %d calls over ~%d s (longest %.1f s, at most %d at once), %d workers, rolling restart"
                        + " at %.1f s; mode%s %s. Logs: %s%n", plan.calls().size(), options.arrivalWindow().toSeconds(),
                plan.longestCall().toMillis() / 1000.0, plan.peakConcurrency(), options.workers(), options.effectiveDeployAt().toMillis() / 1000.0,
                modes.size() > 1 ? "s" : "", modes.stream().map(DrillRun.Mode::id).toList(), dir);
        List<RunResult> runs = new ArrayList<>();
        for (DrillRun.Mode mode : modes) {
            DrillRun run = new DrillRun(options, plan, mode, dir);
            try (Progress ignored = new Progress(out, terminal, run::snapshot)) {
                runs.add(run.run());
            }
        }
        ReportWriter.writeJson(json, options, runs);
        ReportWriter.writeHtml(html, options, runs, json.getFileName().toString());
        ReportWriter.printSummary(out, options, runs);
        RunResult judged = runs.stream().filter(r -> r.mode().equals(DrillRun.Mode.DRAIN.id())).findFirst()
                .orElse(runs.getFirst());
        boolean ok = judged.cut() == 0;
        out.println(ok ? "OK: the " + judged.mode() + " run cut no call (" + judged.calls().size() + " calls)"
                : "FAIL: the " + judged.mode() + " run cut " + judged.cut() + " of " + judged.calls().size() + " calls");
        out.println("Report: " + html);
        return new Result(List.copyOf(runs), html, json, ok ? 0 : 1);
    }
}
