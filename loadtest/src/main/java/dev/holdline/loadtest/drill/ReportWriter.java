package dev.holdline.loadtest.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.holdline.loadtest.drill.RunResult.CallOutcome;
import dev.holdline.loadtest.drill.RunResult.Mark;
import dev.holdline.loadtest.drill.RunResult.Sample;
import dev.holdline.loadtest.drill.RunResult.WorkerSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The drill's three outputs: a text summary, a JSON document of every figure, and one
 * self-contained HTML page (inline SVG charts, no scripts, no network) that is also well-formed
 * XML, so that tests can parse it.
 */
final class ReportWriter {
    static final String CUT_DEFINITION = "A call is cut when, before its planned end, the caller hears a run of silence"
            + " of %d ms or more after the agent's first audio (silent frames, or no frames at all), or the agent leaves"
            + " the room, or the caller's room connection ends; a call that hears no agent audio within %d s of its"
            + " dispatch is cut too. Not cuts: the start-up silence before the agent's first audio, isolated lost or"
            + " concealed frames (shorter runs), and the headless WebRTC playout clock running a few %% slow (shortfall).";
    static final String PROTECTION_NOTE = "Outside ECS the worker's task-protection backend is '%s': nothing is"
            + " protected, but the worker still reports when it would want protection (wanted = busy: a session or an"
            + " accepted offer). The charts show that 'protection wanted' state; on ECS protection is on exactly then and"
            + " for the 30 s idle grace after.";
    private static final String[] PALETTE = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22",
            "#e377c2", "#7f7f7f"};
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    static String cutDefinition(DrillOptions o) {
        return String.format(Locale.ROOT, CUT_DEFINITION, o.cutSilence().toMillis(), DrillCall.ANSWER_TIMEOUT.toSeconds());
    }

    // ---- text ---------------------------------------------------------------------------------

    static void printSummary(PrintStream out, DrillOptions o, List<RunResult> runs) {
        out.println();
        out.printf(Locale.ROOT, "Holdline deploy drill: %d calls at %.0f/min, lengths p50 %s / p99 %s × %s, agent '%s',"
                        + " %d → %d workers (min healthy %d %%, max %d %%)%n", o.calls(), o.ratePerMinute(),
                human(o.callP50()), human(o.callP99()), trim(o.timeScale()), o.agent(), o.workers(), o.workers(),
                o.minHealthyPercent(), o.maxPercent());
        List<String[]> rows = figures(runs);
        int[] width = new int[runs.size() + 1];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder header = new StringBuilder(" ".repeat(width[0] + 2));
        for (int i = 0; i < runs.size(); i++) {
            header.append("  ").append(String.format("%-" + width[i + 1] + "s", runs.get(i).mode()));
        }
        out.println(header.toString().stripTrailing());
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(String.format("  %-" + width[0] + "s", row[0]));
            for (int i = 1; i < row.length; i++) {
                line.append("  ").append(String.format("%-" + width[i] + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        for (RunResult r : runs) {
            r.calls().stream().filter(CallOutcome::cut).limit(8).forEach(c -> out.printf("  %s: call %d (%s) cut: %s%s%n",
                    r.mode(), c.index(), c.worker() == null ? "no worker" : "on " + c.worker(), c.cutReason(),
                    c.diagnosis() == null ? "" : " (" + c.diagnosis() + ")"));
            long more = r.calls().stream().filter(CallOutcome::cut).count() - 8;
            if (more > 0) {
                out.printf("  %s: … and %d more cut calls (see the report)%n", r.mode(), more);
            }
            r.notes().forEach(n -> out.println("  " + r.mode() + ": " + n));
        }
        out.println("  cut = " + cutDefinition(o));
    }

    /** The figures, one row each: name, then one value per run. */
    static List<String[]> figures(List<RunResult> runs) {
        List<String[]> rows = new ArrayList<>();
        row(rows, runs, "calls started", r -> r.started() + " of " + r.callsPlanned());
        row(rows, runs, "calls completed", r -> String.valueOf(r.completed()));
        row(rows, runs, "calls cut", r -> String.valueOf(r.cut()));
        row(rows, runs, "  of which never answered", r -> String.valueOf(r.unanswered()));
        row(rows, runs, "offers sent / rejected", r -> r.offersSent() + " / " + r.offersRejected());
        row(rows, runs, "offers timed out / jobs lost", r -> r.offersTimedOut() + " / " + r.jobsLost());
        row(rows, runs, "offers accepted after SIGTERM", r -> String.valueOf(r.offersAcceptedAfterSigterm()));
        row(rows, runs, "dispatch→first audio p50/p99", r -> r.firstAudioP50Millis() + " / " + r.firstAudioP99Millis() + " ms");
        row(rows, runs, "deploy duration", r -> r.deployMillis() < 0 ? "-" : secs(r.deployMillis()));
        row(rows, runs, "stop timeout (SIGTERM→SIGKILL)", r -> secs(r.stopTimeoutMillis()));
        row(rows, runs, "longest call / longest drain", r -> secs(r.longestPlannedCallMillis()) + " / "
                + secs(r.longestDrainTimeoutMillis()));
        row(rows, runs, "peak concurrent calls", r -> String.valueOf(r.peakConcurrentCalls()));
        row(rows, runs, "peak RSS per worker (tree)", r -> String.join(" ", r.workers().stream()
                .map(w -> w.label() + "=" + mib(w.peakRssKib())).toList()));
        row(rows, runs, "calls per worker", r -> String.join(" ", r.workers().stream()
                .map(w -> w.label() + "=" + w.callsServed()).toList()));
        row(rows, runs, "SIGKILLs", r -> String.valueOf(r.marks().stream().filter(m -> m.kind().equals("SIGKILL")).count()));
        row(rows, runs, "wall time", r -> secs(r.wallMillis()));
        return rows;
    }

    private static void row(List<String[]> rows, List<RunResult> runs, String name, Function<RunResult, String> value) {
        String[] row = new String[runs.size() + 1];
        row[0] = name;
        for (int i = 0; i < runs.size(); i++) {
            row[i + 1] = value.apply(runs.get(i));
        }
        rows.add(row);
    }

    // ---- JSON ---------------------------------------------------------------------------------

    static void writeJson(Path file, DrillOptions o, List<RunResult> runs) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("generated_at", Instant.now().toString());
        doc.put("options", optionsMap(o));
        doc.put("cut_definition", cutDefinition(o));
        doc.put("runs", runs);
        Files.writeString(file, JSON.writeValueAsString(doc), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> optionsMap(DrillOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calls", o.calls());
        m.put("rate_per_minute", o.ratePerMinute());
        m.put("call_p50", o.callP50().toString());
        m.put("call_p99", o.callP99().toString());
        m.put("time_scale", o.timeScale());
        m.put("talk", o.talk().toString());
        m.put("pause", o.pause().toString());
        m.put("workers", o.workers());
        m.put("min_healthy_percent", o.minHealthyPercent());
        m.put("max_percent", o.maxPercent());
        m.put("deploy_at_millis", o.effectiveDeployAt().toMillis());
        m.put("agent", o.agent());
        m.put("baseline_stop_timeout", o.baselineStopTimeout().toString());
        m.put("cut_silence_millis", o.cutSilence().toMillis());
        m.put("seed", o.seed());
        return m;
    }

    // ---- HTML ---------------------------------------------------------------------------------

    static void writeHtml(Path file, DrillOptions o, List<RunResult> runs, String jsonName) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        h.append("<title>Holdline deploy drill</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>Holdline deploy drill</h1>\n<p>");
        h.append(esc(String.format(Locale.ROOT, "%d calls arriving at %.0f per minute; call lengths lognormal, p50 %s and"
                        + " p99 %s in real-world time, scaled by %s (p50 %s here); agent '%s'; %d → %d workers, one rolling"
                        + " restart %s after the first call (minimum healthy %d %%, maximum %d %%). Seed %d: every run"
                        + " below carries the same calls.", o.calls(), o.ratePerMinute(), human(o.callP50()),
                human(o.callP99()), trim(o.timeScale()), human(o.scaled(o.callP50())), o.agent(), o.workers(), o.workers(),
                human(o.effectiveDeployAt()), o.minHealthyPercent(), o.maxPercent(), o.seed())));
        h.append(" All figures are also in <a href=\"").append(esc(jsonName)).append("\">").append(esc(jsonName))
                .append("</a>.</p>\n");
        h.append("<p class=\"def\"><b>Cut.</b> ").append(esc(cutDefinition(o))).append("</p>\n");
        String backend = runs.isEmpty() ? "?" : runs.getFirst().protectionBackend();
        h.append("<p class=\"def\"><b>Protection.</b> ").append(esc(String.format(PROTECTION_NOTE, backend))).append("</p>\n");

        h.append("<h2>Summary</h2>\n<table class=\"figures\" id=\"figures\">\n<tr><th></th>");
        runs.forEach(r -> h.append("<th>").append(esc(r.mode())).append("</th>"));
        h.append("</tr>\n");
        List<String[]> rows = figures(runs);
        for (String[] row : rows) {
            h.append("<tr><th>").append(esc(row[0].strip())).append("</th>");
            for (int i = 1; i < row.length; i++) {
                h.append("<td id=\"").append(runs.get(i - 1).mode()).append('-').append(slug(row[0])).append("\">")
                        .append(esc(row[i])).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("<tr><th>what the deploy did</th>");
        runs.forEach(r -> h.append("<td>").append(esc(r.description())).append("</td>"));
        h.append("</tr>\n</table>\n");

        long xMax = runs.stream().mapToLong(RunResult::wallMillis).max().orElse(1);
        for (RunResult r : runs) {
            h.append("<h2 id=\"run-").append(r.mode()).append("\">").append(esc(r.mode())).append(": ")
                    .append(esc(r.description())).append("</h2>\n");
            r.notes().forEach(n -> h.append("<p class=\"note\">").append(esc(n)).append("</p>\n"));
            Map<String, String> colors = colors(r);
            h.append("<h3>Active calls per worker</h3>\n").append(sessionsChart(r, colors, xMax));
            h.append("<h3>Workers: protection wanted (busy), draining, signals</h3>\n").append(lanes(r, colors, xMax));
            h.append("<h3>Calls</h3>\n").append(callsChart(r, colors, xMax));
            h.append(workersTable(r));
            h.append(callsTable(r));
        }
        h.append("</body>\n</html>\n");
        Files.writeString(file, h.toString(), StandardCharsets.UTF_8);
    }

    private static final String CSS = """
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
            table { border-collapse: collapse; margin: 8px 0 16px; }
            th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
            table.figures td { font-variant-numeric: tabular-nums; }
            .def { background: #f6f6f6; padding: 6px 10px; }
            .note { background: #fff4d6; padding: 6px 10px; }
            .cut { color: #c00; font-weight: bold; }
            svg { display: block; margin: 4px 0 12px; }
            svg text { font: 11px system-ui, sans-serif; }
            details { margin: 8px 0 24px; }
            """;

    private static final int W = 960;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;

    private static double x(long t, long xMax) {
        return LEFT + (W - LEFT - RIGHT) * (double) t / xMax;
    }

    private static Map<String, String> colors(RunResult r) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < r.workers().size(); i++) {
            m.put(r.workers().get(i).label(), PALETTE[i % PALETTE.length]);
        }
        return m;
    }

    private static void timeAxis(StringBuilder s, long xMax, int top, int bottom) {
        long step = xMax > 240_000 ? 60_000 : xMax > 60_000 ? 20_000 : 10_000;
        for (long t = 0; t <= xMax; t += step) {
            double px = x(t, xMax);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>", px, top, px,
                    bottom));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d s</text>", px, bottom + 14,
                    t / 1000));
        }
    }

    /** The deploy's span as a band; drawn first, under the data. */
    private static void deployBand(StringBuilder s, RunResult r, long xMax, int top, int bottom) {
        if (r.deployStartMillis() >= 0) {
            long end = r.deployEndMillis() >= 0 ? r.deployEndMillis() : r.wallMillis();
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fdf0e6\">"
                            + "<title>deploy</title></rect>", x(r.deployStartMillis(), xMax), top,
                    Math.max(1, x(end, xMax) - x(r.deployStartMillis(), xMax)), bottom - top));
        }
    }

    /** SIGTERM and SIGKILL lines (the end-of-drill ones grey, unlabelled) and the start of the measured calls. */
    private static void signalMarks(StringBuilder s, RunResult r, long xMax, int top, int bottom, boolean labels) {
        r.marks().stream().filter(m -> m.kind().equals("CALLS")).forEach(m -> {
            double px = x(m.tMillis(), xMax);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\""
                    + " stroke-dasharray=\"1,3\"><title>the measured calls start (before: warm-up)</title></line>", px, top, px,
                    bottom));
        });
        int n = 0;
        for (Mark m : r.marks()) {
            if (!m.kind().equals("SIGTERM") && !m.kind().equals("SIGKILL")) {
                continue;
            }
            boolean kill = m.kind().equals("SIGKILL");
            double px = x(m.tMillis(), xMax);
            if (m.detail().equals(Fleet.END_OF_DRILL)) {
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#bbb\">"
                        + "<title>%s</title></line>", px, top, px, bottom, esc(m.kind() + " " + m.worker() + " at "
                        + secs(m.tMillis()) + " (" + m.detail() + ")")));
                continue;
            }
            s.append(String.format(Locale.ROOT, "<line class=\"mark-%s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\""
                            + " stroke-width=\"1.5\" stroke-dasharray=\"%s\"><title>%s</title></line>", m.kind().toLowerCase(),
                    px, top, px, bottom, kill ? "#000" : "#d62728", kill ? "2,2" : "6,3",
                    esc(m.kind() + " " + m.worker() + " at " + secs(m.tMillis()) + " (" + m.detail() + ")")));
            if (labels) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">%s %s</text>", px + 3, top + 10 + 12 * (n++ % 4),
                        kill ? "#000" : "#d62728", m.kind(), esc(m.worker())));
            }
        }
    }

    private static String sessionsChart(RunResult r, Map<String, String> colors, long xMax) {
        int top = 10;
        int bottom = 210;
        int yMax = Math.max(2, r.samples().stream().mapToInt(Sample::sessions).max().orElse(1) + 1);
        StringBuilder s = new StringBuilder(String.format("<svg class=\"sessions\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">", W, bottom + 40, W, bottom + 40));
        deployBand(s, r, xMax, top, bottom);
        timeAxis(s, xMax, top, bottom);
        for (int v = 0; v <= yMax; v += Math.max(1, yMax / 6)) {
            double py = bottom - (bottom - top) * (double) v / yMax;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", LEFT, py,
                    W - RIGHT, py));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>", LEFT - 6, py + 4, v));
        }
        signalMarks(s, r, xMax, top, bottom, true);
        for (Map.Entry<String, String> e : colors.entrySet()) {
            List<Sample> ss = r.samples().stream().filter(p -> p.worker().equals(e.getKey())).toList();
            if (ss.isEmpty()) {
                continue;
            }
            StringBuilder pts = new StringBuilder();
            double lastY = Double.NaN;
            for (Sample p : ss) {
                double px = x(p.tMillis(), xMax);
                double py = bottom - (bottom - top) * (double) p.sessions() / yMax;
                if (!Double.isNaN(lastY)) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, lastY)); // a step: the count held until now
                }
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                lastY = py;
            }
            s.append(String.format("<polyline class=\"worker-line\" data-worker=\"%s\" fill=\"none\" stroke=\"%s\""
                    + " stroke-width=\"2\" points=\"%s\"><title>%s</title></polyline>", e.getKey(), e.getValue(),
                    pts.toString().trim(), e.getKey()));
        }
        int lx = LEFT;
        for (Map.Entry<String, String> e : colors.entrySet()) {
            s.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
                    lx, bottom + 24, e.getValue(), lx + 16, bottom + 29, e.getKey()));
            lx += 60;
        }
        s.append(String.format("<text x=\"%d\" y=\"%d\" fill=\"#d62728\">- - SIGTERM</text><text x=\"%d\" y=\"%d\">··· SIGKILL</text>"
                + "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"#fdf0e6\"/><text x=\"%d\" y=\"%d\">deploy</text>",
                lx + 10, bottom + 29, lx + 100, bottom + 29, lx + 190, bottom + 22, lx + 206, bottom + 29));
        return s.append("</svg>\n").toString();
    }

    private static String lanes(RunResult r, Map<String, String> colors, long xMax) {
        int lane = 22;
        int top = 4;
        int bottom = top + lane * colors.size();
        StringBuilder s = new StringBuilder(String.format("<svg class=\"lanes\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">", W, bottom + 40, W, bottom + 40));
        deployBand(s, r, xMax, top, bottom);
        timeAxis(s, xMax, top, bottom);
        int i = 0;
        for (Map.Entry<String, String> e : colors.entrySet()) {
            int y = top + lane * i++;
            s.append(String.format("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">%s</text>", LEFT - 6, y + 14,
                    e.getValue(), e.getKey()));
            List<Sample> ss = r.samples().stream().filter(p -> p.worker().equals(e.getKey())).toList();
            for (int k = 0; k < ss.size(); k++) {
                Sample p = ss.get(k);
                long end = k + 1 < ss.size() ? ss.get(k + 1).tMillis() : p.tMillis() + 500;
                String fill = p.protectionOn() || p.protectionWanted() ? "#ff9f1c" : p.state().equals("NO_ANSWER") ? "#ddd" : "#cde8cd";
                double x0 = x(p.tMillis(), xMax);
                s.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                                + "<title>%s %s: %s, %d session(s), protection %s</title></rect>",
                        p.protectionWanted() ? "protection-on" : "protection-off", x0, y + 2, Math.max(0.5, x(end, xMax) - x0),
                        lane - 8, fill, e.getKey(), secs(p.tMillis()), p.state(), p.sessions(),
                        p.protectionOn() ? "on" : p.protectionWanted() ? "wanted" : "off"));
                if (p.state().equals("DRAINING")) {
                    s.append(String.format(Locale.ROOT, "<rect class=\"draining\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"4\" fill=\"#6a3d9a\"/>",
                            x0, y + lane - 7, Math.max(0.5, x(end, xMax) - x0)));
                }
            }
        }
        signalMarks(s, r, xMax, top, bottom, false);
        s.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"#ff9f1c\"/><text x=\"%d\" y=\"%d\">"
                        + "protection wanted (busy)</text><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"#cde8cd\"/>"
                        + "<text x=\"%d\" y=\"%d\">idle</text><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"#6a3d9a\"/>"
                        + "<text x=\"%d\" y=\"%d\">draining</text>",
                LEFT, bottom + 22, LEFT + 16, bottom + 30, LEFT + 190, bottom + 22, LEFT + 206, bottom + 30, LEFT + 260,
                bottom + 25, LEFT + 276, bottom + 30));
        return s.append("</svg>\n").toString();
    }

    private static String callsChart(RunResult r, Map<String, String> colors, long xMax) {
        int row = 6;
        int top = 4;
        int bottom = top + row * r.calls().size();
        StringBuilder s = new StringBuilder(String.format("<svg class=\"calls\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">", W, bottom + 24, W, bottom + 24));
        deployBand(s, r, xMax, top, bottom);
        timeAxis(s, xMax, top, bottom);
        signalMarks(s, r, xMax, top, bottom, false);
        int i = 0;
        for (CallOutcome c : r.calls()) {
            int y = top + row * i++;
            String color = c.cut() ? "#d62728" : colors.getOrDefault(c.worker(), "#999");
            double x0 = x(c.startMillis(), xMax);
            s.append(String.format(Locale.ROOT, "<rect class=\"call%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                            + "<title>call %d on %s: %s, planned %s%s</title></rect>", c.cut() ? " cut" : "", x0, y,
                    Math.max(1, x(c.startMillis() + c.plannedLengthMillis(), xMax) - x0), row - 1, color,
                    c.index(), c.worker() == null ? "no worker" : c.worker(), c.cut() ? "CUT" : "completed",
                    secs(c.plannedLengthMillis()), c.cut() ? " (" + esc(c.cutReason()) + ")" : ""));
            if (c.cut() && c.cutAtMillis() >= 0) {
                double cx = x(c.startMillis() + c.cutAtMillis(), xMax);
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"2\" height=\"%d\" fill=\"#000\"/>", cx, y,
                        row - 1));
            }
        }
        return s.append("</svg>\n").toString();
    }

    private static String workersTable(RunResult r) {
        StringBuilder s = new StringBuilder("<table class=\"workers\"><tr><th>worker</th><th>generation</th><th>pid</th>"
                + "<th>started</th><th>registered</th><th>SIGTERM</th><th>SIGKILL</th><th>exited</th><th>exit code</th>"
                + "<th>peak RSS (tree)</th><th>calls</th><th>drain</th><th>log</th></tr>\n");
        for (WorkerSummary w : r.workers()) {
            s.append("<tr><td>").append(esc(w.label())).append("</td><td>").append(w.generation()).append("</td><td>")
                    .append(w.pid()).append("</td><td>").append(t(w.startedMillis())).append("</td><td>")
                    .append(t(w.registeredMillis())).append("</td><td>").append(t(w.sigtermMillis())).append("</td><td>")
                    .append(t(w.sigkillMillis())).append("</td><td>").append(t(w.exitedMillis())).append("</td><td>")
                    .append(w.exitCode()).append("</td><td>").append(mib(w.peakRssKib())).append("</td><td>")
                    .append(w.callsServed()).append("</td><td>").append(esc(w.drainLine() == null ? "" : w.drainLine()))
                    .append("</td><td>").append(esc(w.logFile())).append("</td></tr>\n");
        }
        return s.append("</table>\n").toString();
    }

    private static String callsTable(RunResult r) {
        StringBuilder s = new StringBuilder("<details><summary>Every call (" + r.calls().size() + ")</summary>\n"
                + "<table class=\"calls\"><tr><th>#</th><th>worker</th><th>start</th><th>planned</th><th>lasted</th>"
                + "<th>dispatch→first audio</th><th>longest gap</th><th>missing</th><th>shortfall</th><th>result</th></tr>\n");
        for (CallOutcome c : r.calls()) {
            s.append("<tr><td>").append(c.index()).append("</td><td>").append(esc(c.worker() == null ? "-" : c.worker()))
                    .append("</td><td>").append(secs(c.startMillis())).append("</td><td>").append(secs(c.plannedLengthMillis()))
                    .append("</td><td>").append(secs(c.lengthMillis())).append("</td><td>")
                    .append(c.dispatchToFirstAudioMillis() < 0 ? "-" : c.dispatchToFirstAudioMillis() + " ms").append("</td><td>")
                    .append(c.longestSilenceMillis()).append(" ms</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f %%", 100 * c.missingShare())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f %%", 100 * c.shortfallShare())).append("</td><td")
                    .append(c.cut() ? " class=\"cut\">cut: " + esc(c.cutReason()) : ">completed")
                    .append(c.diagnosis() == null ? "" : " (" + esc(c.diagnosis()) + ")").append("</td></tr>\n");
        }
        return s.append("</table></details>\n").toString();
    }

    // ---- formatting ---------------------------------------------------------------------------

    private static String t(long millis) {
        return millis < 0 ? "-" : secs(millis);
    }

    static String secs(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static String mib(long kib) {
        return String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
    }

    private static String human(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + " min";
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    static String slug(String name) {
        return name.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
