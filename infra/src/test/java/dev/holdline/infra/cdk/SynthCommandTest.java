package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.infra.InfraMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code synth} as operators run it, through {@link InfraMain}: options, exit codes, messages. */
class SynthCommandTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = InfraMain.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String profiles(String name) {
        return Synthesized.resource(name).toString();
    }

    @Test
    void aRefusalExitsTwoWithTheMessageAndWritesNothing() throws IOException {
        Path out = Synthesized.newDir("refused");
        Run r = run("synth", "--profiles", profiles("profiles-too-long.yaml"), "--out", out.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("Cannot synthesize: profile 'overnight' drain_timeout 7200s + safety margin 15s = 7215s"),
                r.err());
        assertTrue(r.err().contains("Fix: lower 'overnight' drain_timeout to at most 7185s"), r.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }

    @Test
    void optionProblemsAreAllReported() {
        Run r = run("synth", "--profiles", profiles("profiles.yaml"), "--out", Synthesized.newDir("bad").toString(),
                "--tasks-per-instance", "0", "--livekit-secret-arn", "my-secret", "--lifecycle-hook",
                "--lifecycle-hook-heartbeat-timeout", "30s");
        assertEquals(2, r.exit());
        List<String> lines = r.err().lines().toList();
        assertEquals(3, lines.size(), r.err());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("Cannot synthesize: ") && l.contains("Fix:")), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("synth").exit(), "--profiles is required");
        assertEquals(2, run("synth", "--profiles", profiles("profiles.yaml"), "--lifecycle-hook-heartbeat-timeout", "soon").exit());
        assertEquals(2, run().exit(), "a command is required");
        assertEquals(2, run("deploy").exit());
    }

    @Test
    void helpDocumentsEveryOption() {
        Run r = run("synth", "--help");
        assertEquals(0, r.exit());
        for (String option : List.of("--profiles", "--out", "--stack-name", "--image", "--agent", "--livekit-url",
                "--livekit-secret-arn", "--vpc-id", "--subnet-ids", "--availability-zones", "--instance-type",
                "--tasks-per-instance", "--task-cpu", "--task-memory", "--min-tasks", "--max-tasks", "--cpu-target",
                "--lifecycle-hook", "--lifecycle-hook-heartbeat-timeout", "--profiles-path-in-image")) {
            assertTrue(r.out().contains(option), option + " missing from --help");
        }
        assertTrue(r.out().contains("(default: c7i.xlarge)"), r.out());
        assertTrue(run("--help").out().contains("check"), "check is registered");
    }

    @Test
    void synthThenCheckTheTemplate() throws IOException {
        assumeTrue(Synthesized.nodeOnPath(), "node is not on the PATH: CDK's jsii runtime needs Node.js to synthesize");
        Path out = Synthesized.newDir("cli");
        Run r = run("synth", "--profiles", profiles("profiles.yaml"), "--out", out.toString(), "--stack-name", "HoldlineCli",
                "--tasks-per-instance", "2", "--lifecycle-hook", "--lifecycle-hook-heartbeat-timeout", "3m",
                "--livekit-url", "wss://livekit.example.com", "--min-tasks", "3", "--max-tasks", "12", "--cpu-target", "40");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Synthesized stack HoldlineCli: stopTimeout 915s = profile 'support' drain_timeout 900s"
                + " + safety margin 15s"), r.out());
        assertTrue(r.out().contains("lifecycle hook: holdline-drain (heartbeat timeout 180s, expire-after-last-heartbeat)"), r.out());
        assertTrue(r.out().contains("deploy-time parameters: WorkerImage, LiveKitSecretArn"), r.out());
        Path template = out.resolve("HoldlineCli.template.json");
        assertTrue(Files.isRegularFile(template));
        JsonNode t = Synthesized.JSON.readTree(template.toFile());
        assertFalse(t.path("Parameters").has("LiveKitUrl"));
        assertFalse(t.path("Parameters").has("BootstrapVersion"), "no bootstrap needed");
        assertTrue(t.path("Rules").isMissingNode(), "no bootstrap check rule");

        // The other half of the infra CLI agrees with what synth wrote.
        Run check = run("check", template.toString(), "--profiles", profiles("profiles.yaml"));
        assertEquals(0, check.exit(), check.out() + check.err());
        assertTrue(check.out().contains("0 FAIL, 0 WARN"), check.out());
    }
}
