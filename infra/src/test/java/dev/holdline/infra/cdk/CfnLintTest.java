package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.holdline.infra.cdk.Synthesized.Variant;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The synthesized templates pass {@code cfn-lint} (AWS's CloudFormation linter: resource schemas,
 * property values, references) without errors. cfn-lint's exit code is a bit set: 2 errors,
 * 4 warnings, 8 informational; only 2 fails the test, warnings are printed. Skipped, with the
 * reason, where {@code cfn-lint} is not on the PATH.
 */
class CfnLintTest {
    private static final int ERRORS = 2;

    static Optional<Path> cfnLint() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "cfn-lint");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Test
    void synthesizedTemplatesHaveNoCfnLintErrors() throws IOException, InterruptedException {
        Optional<Path> lint = cfnLint();
        assumeTrue(lint.isPresent(), "cfn-lint is not on the PATH (pip install cfn-lint): the template lint is skipped");

        List<String> command = new ArrayList<>(List.of(lint.get().toString(), "--format", "parseable"));
        for (Variant v : Variant.values()) {
            command.add(Synthesized.of(v).templateFile().toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "cfn-lint finished");
        int exit = p.exitValue();
        if (!output.isBlank()) {
            System.out.println("cfn-lint (exit " + exit + "):\n" + output);
        }
        assertEquals(0, exit & ERRORS, "cfn-lint reported errors:\n" + output);
        assertTrue(exit == 0 || (exit & ~(4 | 8)) == 0, "unexpected cfn-lint exit code " + exit + ":\n" + output);
    }
}
