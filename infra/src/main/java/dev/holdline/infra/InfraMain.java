package dev.holdline.infra;

import dev.holdline.infra.check.CheckCommand;
import dev.holdline.infra.cdk.SynthCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The infra CLI: {@code java -jar infra/target/holdline-infra.jar <command>} (after
 * {@code ./mvnw -pl infra -am package}; the jar finds its dependencies in {@code target/lib}), or
 * {@code java -cp 'infra/target/holdline-infra.jar:infra/target/lib/*' dev.holdline.infra.InfraMain <command>}.
 * <ul>
 *   <li>{@code synth} ({@link SynthCommand}) — writes the ECS-EC2 CloudFormation stack, offline;</li>
 *   <li>{@code check} ({@link CheckCommand}) — checks a template against a call-profile file.</li>
 * </ul>
 * Each command documents its exit codes; a usage error is 2.
 */
@Command(name = "holdline-infra",
        subcommands = {SynthCommand.class, CheckCommand.class, CommandLine.HelpCommand.class},
        description = "Holdline deployment as code: synthesize the ECS (EC2 launch type) stack, or check a template.")
public final class InfraMain implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests: no {@code System.exit}). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The CLI, for callers that set its output streams ({@code setOut}/{@code setErr}) before executing. */
    public static CommandLine commandLine() {
        return new CommandLine(new InfraMain());
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: synth or check");
    }
}
