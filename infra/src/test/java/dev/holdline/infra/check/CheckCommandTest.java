package dev.holdline.infra.check;

import static dev.holdline.infra.check.Fixtures.SERVICE;
import static dev.holdline.infra.check.Fixtures.TASK_DEFINITION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code check} through picocli, as {@code InfraMain} runs it: lines on stdout, problems on stderr, exit codes. */
class CheckCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new CheckCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String profiles() {
        return Fixtures.resource("profiles.yaml").toString();
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void aGoodTemplateExitsZero() {
        Run r = run(Fixtures.resource("good-template.json").toString(), "--profiles", profiles());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("", r.err());
        assertEquals("0 FAIL, 0 WARN", r.lines().getLast());
        assertTrue(r.lines().contains("OK   " + TASK_DEFINITION + ": container 'worker' StopTimeout 915s covers profile 'support'"
                + " drain_timeout 900s + safety margin 15s = 915s."), r.out());
        assertEquals(12, r.lines().size(), r.out());
    }

    @Test
    void aYamlTemplateWorksToo() {
        Run r = run(Fixtures.resource("good-template.yaml").toString(), "--profiles", profiles());
        assertEquals(0, r.exit(), r.out() + r.err());
    }

    @Test
    void failuresExitOneWithTheLinesOnStdout() throws IOException {
        ObjectNode t = Fixtures.goodTemplate();
        Fixtures.worker(t).put("StopTimeout", 600);
        Fixtures.setEnv(t, "HOLDLINE_STOP_TIMEOUT", "600");
        Fixtures.properties(t, SERVICE).withObjectProperty("DeploymentConfiguration").put("MaximumPercent", 150);
        Fixtures.properties(t, SERVICE).withObjectProperty("DeploymentConfiguration").remove("DeploymentCircuitBreaker");
        Path file = write("bad.json", Fixtures.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(t));

        Run r = run(file.toString(), "--profiles", profiles());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.err());
        assertTrue(r.lines().contains("FAIL " + TASK_DEFINITION + ": container 'worker' StopTimeout 600s is below profile 'support'"
                + " drain_timeout 900s + safety margin 15s = 915s, so ECS would SIGKILL calls still draining. Fix: set StopTimeout to at"
                + " least 915 and HOLDLINE_STOP_TIMEOUT to the same value, or lower drain_timeout to at most 585s in profile 'support'."), r.out());
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("FAIL " + SERVICE + ": DeploymentConfiguration.MaximumPercent 150 is below"
                + " the 200 a protected deploy needs")), r.out());
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("WARN " + SERVICE + ": no deployment circuit breaker")), r.out());
        assertEquals("2 FAIL, 1 WARN", r.lines().getLast());

        Run quiet = run(file.toString(), "--profiles", profiles(), "--quiet");
        assertEquals(1, quiet.exit());
        assertEquals(4, quiet.lines().size(), quiet.out());
        assertTrue(quiet.lines().stream().noneMatch(l -> l.startsWith("OK")), quiet.out());
    }

    @Test
    void aMissingTemplateExitsTwoNamingTheFile() {
        Path missing = dir.resolve("nope.json");
        Run r = run(missing.toString(), "--profiles", profiles());
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertEquals("infra check: cannot read template " + missing + ": no such file", r.err().strip());
    }

    @Test
    void aGarbledTemplateExitsTwoNamingTheFileAndLine() throws IOException {
        Path file = write("garbled.json", "{\n  \"Resources\": {\n    \"Task\": {\"Type\": \"AWS::ECS::TaskDefinition\",,}\n  }\n}\n");
        Run r = run(file.toString(), "--profiles", profiles());
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("infra check: template " + file + " is not valid JSON (line 3, column "), r.err());
    }

    @Test
    void garbledYamlExitsTwo() throws IOException {
        Path file = write("garbled.yaml", "Resources:\n  Task:\n    Type: [unclosed\n");
        Run r = run(file.toString(), "--profiles", profiles());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("infra check: template " + file + " is not valid YAML"), r.err());
    }

    @Test
    void aTemplateWithoutTasksExitsTwo() throws IOException {
        Path file = write("empty.json", "{\"Resources\": {\"Bucket\": {\"Type\": \"AWS::S3::Bucket\"}}}");
        Run r = run(file.toString(), "--profiles", profiles());
        assertEquals(2, r.exit());
        assertEquals("infra check: template " + file + ": the template has no AWS::ECS::TaskDefinition resource; pass the template of the"
                + " stack that defines the worker task", r.err().strip());
    }

    @Test
    void aBadProfileFileExitsTwoNamingIt() throws IOException {
        Path bad = write("profiles.yaml", "profiles:\n  support:\n    drain_timeout: fifteen\n    wrap_up_notice: 30s\n");
        Run r = run(Fixtures.resource("good-template.json").toString(), "--profiles", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("infra check: " + bad + " line 3: "), r.err());
        Run missing = run(Fixtures.resource("good-template.json").toString(), "--profiles", dir.resolve("none.yaml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("none.yaml: cannot read the profile file (no such file)"), missing.err());
    }

    @Test
    void usageErrorsExitTwo() {
        Run noProfiles = run(Fixtures.resource("good-template.json").toString());
        assertEquals(2, noProfiles.exit());
        assertTrue(noProfiles.err().contains("Missing required option: '--profiles=FILE'"), noProfiles.err());
        assertEquals(2, run().exit());
    }

    @Test
    void helpDescribesTheCommand() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: check [-hq] --profiles=FILE TEMPLATE"), r.out());
    }
}
