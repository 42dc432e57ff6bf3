package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code infra check TEMPLATE --profiles FILE}: prints one line per finding and a summary
 * ({@code 2 FAIL, 1 WARN}) on standard output. Exit code 1 when any finding is FAIL, 0 otherwise,
 * 2 when the template or the profile file cannot be read (the message, on standard error, names
 * the file and the problem) or the command line is wrong.
 */
@Command(name = "check",
        description = {
                "Checks a CloudFormation template (JSON or YAML) for what would let a",
                "deploy or a scale-in cut calls: StopTimeout and HOLDLINE_STOP_TIMEOUT",
                "against the profiles' drain_timeout + safety margin, Fargate's 120s cap,",
                "shell-form entrypoints, the task role's task-protection and",
                "DescribeServices permissions, the deployment percentages and circuit",
                "breaker, and instance scale-in protection.",
                "Prints FAIL/WARN/OK lines with the fix, then 'N FAIL, M WARN'.",
                "Exit code: 1 on any FAIL, 0 otherwise, 2 when input cannot be read."},
        sortOptions = false)
public final class CheckCommand implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int UNREADABLE = 2;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TEMPLATE", description = "The template: a .json or .yaml file (cdk synth output, or the deployed stack's template).")
    private Path template;

    @Option(names = "--profiles", required = true, paramLabel = "FILE",
            description = "The call-profile file the workers run with (the file HOLDLINE_PROFILES names in the image).")
    private Path profiles;

    @Option(names = {"-q", "--quiet"}, description = "Print only FAIL and WARN lines and the summary.")
    private boolean quiet;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    public CheckCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Finding> findings;
        try {
            // The environment of the machine running the check is not the container's: only the file counts.
            ProfileConfig config = ProfileConfig.load(profiles, Map.of());
            JsonNode parsed = TemplateReader.read(template);
            try {
                findings = TemplateChecker.check(parsed, config);
            } catch (TemplateException e) {
                throw new TemplateException("template " + template + ": " + e.getMessage(), e);
            }
        } catch (ProfileConfigException e) {
            err.println("infra check: " + e.getMessage());
            err.flush();
            return UNREADABLE;
        } catch (TemplateException e) {
            err.println("infra check: " + e.getMessage());
            err.flush();
            return UNREADABLE;
        }
        for (Finding f : findings) {
            if (!quiet || f.severity() != Severity.OK) {
                out.println(f.line());
            }
        }
        out.println(TemplateChecker.summary(findings));
        out.flush();
        return TemplateChecker.count(findings, Severity.FAIL) > 0 ? FAILED : OK;
    }
}
