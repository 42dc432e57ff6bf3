package dev.holdline.infra.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hand-written fixtures are real CloudFormation: {@code cfn-lint} (on the CI image, DESIGN §5)
 * finds nothing in them. Skipped, with the reason, where cfn-lint is not on the PATH.
 */
class FixtureConformanceTest {

    @ParameterizedTest
    @ValueSource(strings = {"good-template.json", "good-template.yaml"})
    void cfnLintFindsNothing(String fixture) throws Exception {
        Optional<Path> cfnLint = onPath("cfn-lint");
        assumeTrue(cfnLint.isPresent(), "cfn-lint is not on the PATH (pip install cfn-lint to run this conformance check)");
        Process p = new ProcessBuilder(cfnLint.get().toString(), "--regions", "eu-west-1", "--", Fixtures.resource(fixture).toString())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "cfn-lint did not finish within 180 s");
        assertEquals(0, p.exitValue(), "cfn-lint on " + fixture + ":\n" + output);
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Arrays.stream(path.split(File.pathSeparator))
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
