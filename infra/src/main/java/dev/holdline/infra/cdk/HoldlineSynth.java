package dev.holdline.infra.cdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.BootstraplessSynthesizer;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.CloudFormationStackArtifact;

/**
 * Synthesizes {@link HoldlineStack} to CloudFormation JSON in-process, without the {@code cdk}
 * CLI: {@code new App(outdir)}, build the stack, {@code app.synth()}. The result is a cloud
 * assembly in the out directory whose {@code <stack-name>.template.json} deploys with plain
 * CloudFormation ({@code aws cloudformation deploy --template-file ... --capabilities
 * CAPABILITY_IAM}) or with {@code cdk deploy --app <out dir>}.
 *
 * <p>The stack needs no bootstrapping: it has no assets (no Lambda code, no Docker build — the
 * image is built from {@code infra/Dockerfile} and pushed separately), so it uses the
 * {@link BootstraplessSynthesizer} and the template has no {@code BootstrapVersion} parameter or rule.
 * CDK's analytics ({@code AWS::CDK::Metadata}) and construct stack traces are off, so the output
 * depends on the inputs alone.
 *
 * <p>CDK's JavaScript runs in a Node.js child process (jsii); {@code node} must be on the PATH.
 * The first synth in a JVM pays for starting it (seconds); later ones reuse it.
 */
public final class HoldlineSynth {
    private HoldlineSynth() {
    }

    /**
     * What a synth produced.
     *
     * @param plan     the validated settings the stack was built from
     * @param outDir   the cloud assembly directory
     * @param template the CloudFormation template (JSON)
     * @param warnings CDK's warnings about the stack, one line each (empty when none)
     */
    public record Result(StackPlan plan, Path outDir, Path template, List<String> warnings) {
    }

    /**
     * Validates {@code settings} and synthesizes.
     *
     * @throws SynthRefusedException before anything is written, when a setting is refused
     */
    public static Result synth(SynthSettings settings) {
        return synth(StackPlan.of(settings));
    }

    /** Synthesizes an already validated plan. */
    public static Result synth(StackPlan plan) {
        Objects.requireNonNull(plan, "plan");
        Path out = plan.settings().outDir().toAbsolutePath().normalize();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create --out directory " + out, e);
        }
        String name = plan.settings().stackName();
        App app = new App(AppProps.builder()
                .outdir(out.toString())
                .analyticsReporting(false)
                .stackTraces(false)
                .build());
        new HoldlineStack(app, name, StackProps.builder()
                .stackName(name)
                .synthesizer(new BootstraplessSynthesizer())
                .analyticsReporting(false)
                .build(), plan);
        CloudAssembly assembly = app.synth();
        CloudFormationStackArtifact artifact = assembly.getStackByName(name);
        Path template = out.resolve(artifact.getTemplateFile());
        List<String> warnings = artifact.getMessages().stream()
                .filter(m -> !"info".equalsIgnoreCase(String.valueOf(m.getLevel())))
                .map(m -> m.getLevel() + " " + m.getId() + ": " + m.getEntry().getData())
                .toList();
        refuseFargate(template);
        return new Result(plan, out, template, warnings);
    }

    /**
     * Belt and braces: the stack never asks for Fargate (its stopTimeout cap of 120 s would cut
     * long drains), and a template that mentions it anyway is not handed out.
     */
    private static void refuseFargate(Path template) {
        try {
            if (Files.readString(template).contains("FARGATE")) {
                Files.delete(template);
                throw new IllegalStateException("the synthesized template mentions FARGATE; Holdline runs on the EC2 launch"
                        + " type only (Fargate caps stopTimeout at 120 s). The template was deleted.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the synthesized template " + template, e);
        }
    }
}
