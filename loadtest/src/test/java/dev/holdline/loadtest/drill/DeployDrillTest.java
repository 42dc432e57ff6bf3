package dev.holdline.loadtest.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The deploy drill, short: real worker JVMs (the example agents' Main on this test's classpath),
 * real WebRTC callers, a real SIGTERM rolling restart. No call may be cut, and the report must
 * carry the figures.
 */
class DeployDrillTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void noWorkerLeftBehind() {
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        assertTrue(left.isEmpty(), "processes left behind: " + left);
    }

    /**
     * 16 calls of 8 s median (4 min × 1/30) at 24 a minute: about 3 at once, so that a CI machine busy
     * with other work still carries them without gaps; the deploy starts 12 s in, with calls on both
     * workers. About 70 s in all.
     */
    private static DrillOptions shortDrill() {
        DrillOptions d = DrillOptions.defaults();
        return new DrillOptions(16, 24, d.callP50(), d.callP99(), 1.0 / 30, d.talk(), d.pause(), 2, 100, 200,
                Duration.ofSeconds(12), null, "tone", d.baselineStopTimeout(), d.cutSilence(), 7, List.of(),
                d.warmup(), d.replacementNice());
    }

    @Test
    @Timeout(300)
    void aRollingRestartUnderLoadCutsNoCallAndTheReportSaysSo() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(console, System.out), true, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        Drill.Result result = Drill.run(shortDrill(), List.of(DrillRun.Mode.DRAIN), dir.resolve("report.html"), out, false);
        System.out.printf("DRILL TEST: %.1f s%n", (System.nanoTime() - start) / 1e9);
        String text = console.toString(StandardCharsets.UTF_8);

        RunResult run = result.runs().getFirst();
        // Real-time audio on an oversubscribed machine gaps whatever the deploy does: say how loaded it was.
        assertEquals(0, run.cut(), "cut calls (load average now: " + loadAverage() + "):\n" + text);
        assertEquals(0, result.exitCode());
        assertTrue(text.contains("OK: the drain run cut no call (16 calls)"), text);
        assertTrue(text.contains("Report: " + result.html()), text);

        // The JSON: every figure the summary prints, consistent with itself.
        JsonNode doc = JSON.readTree(result.json().toFile());
        JsonNode r = doc.path("runs").get(0);
        assertEquals("drain", r.path("mode").asText());
        assertEquals(16, r.path("callsPlanned").asInt());
        assertEquals(16, r.path("started").asInt());
        assertEquals(16, r.path("completed").asInt());
        assertEquals(0, r.path("cut").asInt());
        assertEquals(16, r.path("calls").size());
        assertEquals(0, r.path("offersAcceptedAfterSigterm").asInt(), "an offer was accepted after SIGTERM");
        assertEquals(0, r.path("jobsLost").asInt());
        assertTrue(r.path("firstAudioP50Millis").asLong() > 0
                && r.path("firstAudioP50Millis").asLong() <= r.path("firstAudioP99Millis").asLong(), r.toString());
        assertTrue(r.path("deployMillis").asLong() > 0, "deploy duration");
        assertTrue(doc.path("cut_definition").asText().contains("1000 ms"));
        for (JsonNode c : r.path("calls")) {
            assertTrue(c.path("worker").isTextual(), "every call names its worker: " + c);
            assertTrue(!c.path("cut").asBoolean() && c.path("cutReason").isNull(), c.toString());
        }
        // Two old workers got SIGTERM during the deploy, drained and exited 0; no SIGKILL was needed.
        List<JsonNode> workers = StreamSupport.stream(r.path("workers").spliterator(), false).toList();
        assertEquals(4, workers.size());
        for (JsonNode w : workers) {
            assertTrue(w.path("peakRssKib").asLong() > 50_000, "peak RSS sampled: " + w);
            assertEquals(0, w.path("exitCode").asInt(), "exit code: " + w);
            assertEquals(-1, w.path("sigkillMillis").asLong(), "SIGKILL: " + w);
        }
        for (JsonNode w : workers.subList(0, 2)) {
            assertEquals(1, w.path("generation").asInt());
            assertTrue(w.path("sigtermMillis").asLong() >= r.path("deployStartMillis").asLong()
                    && w.path("sigtermMillis").asLong() <= r.path("deployEndMillis").asLong(), w.toString());
            assertTrue(w.path("drainLine").asText().startsWith("Drain complete in"), w.toString());
        }
        assertTrue(r.path("samples").size() > 20, "the sampler saw the workers");
        assertTrue(StreamSupport.stream(r.path("samples").spliterator(), false)
                .anyMatch(s -> s.path("state").asText().equals("DRAINING") && s.path("sessions").asInt() > 0),
                "a draining worker was seen holding calls");

        // The HTML: well-formed (it is written as XHTML), the figures where the summary puts them, and the charts.
        Document html = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(result.html().toFile());
        var xpath = XPathFactory.newInstance().newXPath();
        assertEquals("0", xpath.evaluate("//*[@id='drain-calls-cut']", html));
        assertEquals("16", xpath.evaluate("//*[@id='drain-calls-completed']", html));
        assertEquals(3.0, (Double) xpath.evaluate("count(//*[local-name()='svg'])", html, XPathConstants.NUMBER));
        assertEquals(4.0, (Double) xpath.evaluate("count(//*[local-name()='polyline'][@class='worker-line'])", html,
                XPathConstants.NUMBER), "one line of active calls per worker");
        assertTrue((Double) xpath.evaluate("count(//*[local-name()='line'][@class='mark-sigterm'])", html,
                XPathConstants.NUMBER) >= 2, "SIGTERM marks");
        assertTrue((Double) xpath.evaluate("count(//*[local-name()='rect'][@class='protection-on'])", html,
                XPathConstants.NUMBER) > 0, "protection (wanted) drawn");
    }

    @Test
    @Timeout(180)
    void theNaiveBaselineCutsTheCallsItKills() throws Exception {
        DrillOptions d = shortDrill();
        // Six calls of about 30 s, arrived by the time the deploy starts; with minimum healthy 0 % and maximum 100 %
        // it SIGTERMs both old workers first and SIGKILLs them (stop timeout 0) while every call is still running on
        // them, then starts the replacements. (Starting the replacements first made the kill wait for their
        // registration: 6-35 s here beside six live calls, and the calls had sometimes ended by then.)
        DrillOptions baseline = new DrillOptions(6, 60, Duration.ofMinutes(15), Duration.ofMinutes(16), 1.0 / 30, d.talk(),
                d.pause(), 2, 0, 100, Duration.ofSeconds(6), null, "tone", Duration.ZERO, d.cutSilence(), 7, List.of(),
                Duration.ZERO, d.replacementNice());
        Drill.Result result = Drill.run(baseline, List.of(DrillRun.Mode.BASELINE), dir.resolve("baseline.html"),
                System.out, false);
        RunResult run = result.runs().getFirst();
        Map<String, Long> killedAt = run.marks().stream().filter(m -> m.kind().equals("SIGKILL"))
                .collect(Collectors.toMap(RunResult.Mark::worker, RunResult.Mark::tMillis, Math::min));
        assertEquals(java.util.Set.of("w1", "w2"), killedAt.keySet(), run.marks().toString());
        for (RunResult.CallOutcome c : run.calls()) {
            // The caller hears of a killed agent within a moment; a call planned to end in that moment may miss it.
            boolean runningWellAfterKill = killedAt.containsKey(c.worker())
                    && c.startMillis() + c.plannedLengthMillis() > killedAt.get(c.worker()) + 2000;
            if (runningWellAfterKill) {
                assertTrue(c.cut(), "running on a killed worker but not cut: " + c);
            }
        }
        assertTrue(run.cut() >= 1, "no call was cut: " + run.calls());
        assertEquals(1, result.exitCode());
        Document html = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(result.html().toFile());
        assertEquals(String.valueOf(run.cut()), XPathFactory.newInstance().newXPath().evaluate("//*[@id='baseline-calls-cut']", html));
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** Writes to two streams: the test keeps the console text and the log shows it. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
