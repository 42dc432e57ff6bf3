package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a CloudFormation template (as deployed, or as the CDK app synthesizes it) against the
 * call profiles its workers drain with, so that deploys and scale-in cannot cut calls:
 * <ol>
 *   <li>{@link StopTimeoutCheck}: StopTimeout ≥ longest drain_timeout + safety margin, and HOLDLINE_STOP_TIMEOUT equal to it;</li>
 *   <li>{@link FargateCheck}: no Fargate (120 s stopTimeout cap) with a longer drain;</li>
 *   <li>{@link EntryPointCheck}: SIGTERM reaches the JVM (exec form, not {@code sh -c});</li>
 *   <li>{@link TaskRoleCheck}: the task role allows ecs:UpdateTaskProtection, ecs:GetTaskProtection, ecs:DescribeServices;</li>
 *   <li>and 6. {@link DeploymentCheck}: MinimumHealthyPercent 100, MaximumPercent 200, a circuit breaker with rollback;</li>
 *   <li>{@link InstanceProtectionCheck}: managed termination protection, NewInstancesProtectedFromScaleIn, managed draining.</li>
 * </ol>
 * A value the template does not give literally (a parameter, {@code Fn::If}, an import) is a
 * {@link Severity#WARN} "cannot verify", never a guess and never an exception.
 */
public final class TemplateChecker {
    private static final List<Check> CHECKS = List.of(
            new StopTimeoutCheck(),
            new FargateCheck(),
            new EntryPointCheck(),
            new TaskRoleCheck(),
            new DeploymentCheck(),
            new InstanceProtectionCheck());

    private TemplateChecker() {
    }

    /**
     * Every finding, FAIL, WARN and OK alike, grouped by check in the order above and by resource
     * in template order within a check.
     *
     * @param template the parsed template ({@link TemplateReader})
     * @param profiles the call profiles the workers run with; its drain timeouts and safety margin
     *                 are what StopTimeout must cover, before each container's own
     *                 {@code HOLDLINE_PROFILE_<NAME>_DRAIN_TIMEOUT} / {@code HOLDLINE_DRAIN_SAFETY_MARGIN}
     * @throws TemplateException when {@code template} is not a CloudFormation template or defines no ECS task
     */
    public static List<Finding> check(JsonNode template, ProfileConfig profiles) {
        Objects.requireNonNull(profiles, "profiles");
        Workload workload = Workload.of(Template.of(template), profiles);
        List<Finding> findings = new ArrayList<>(workload.notes());
        for (Check check : CHECKS) {
            findings.addAll(check.check(workload));
        }
        return List.copyOf(findings);
    }

    /** {@code 2 FAIL, 1 WARN}. */
    public static String summary(List<Finding> findings) {
        return count(findings, Severity.FAIL) + " FAIL, " + count(findings, Severity.WARN) + " WARN";
    }

    public static long count(List<Finding> findings, Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }
}
