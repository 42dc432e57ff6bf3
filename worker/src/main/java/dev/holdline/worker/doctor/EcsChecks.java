package dev.holdline.worker.doctor;

import dev.holdline.lifecycle.ecs.EcsMetadataException;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import dev.holdline.lifecycle.protection.EcsTaskProtection;
import dev.holdline.lifecycle.protection.ProtectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * On ECS: the task metadata the worker reads at start-up, and the task role's permission for task
 * scale-in protection, through the worker's own clients ({@link EcsTaskMetadata},
 * {@link EcsTaskProtection}).
 *
 * <p>Only {@code GetTaskProtection} is called: an {@code UpdateTaskProtection} probe would change the
 * protection of a worker already running in this task. Both actions are granted together (README, IAM),
 * and the worker reports a denied update on {@code /worker} and as {@code holdline_protection_failures}.
 */
final class EcsChecks {
    static final String METADATA = "ecs-metadata";
    static final String PROTECTION = "task-protection";

    /** What the checks found, and the task for the drain check (Fargate's cap). */
    record Result(List<Finding> findings, Optional<EcsTaskMetadata> task) {
    }

    private EcsChecks() {
    }

    static Result run(Map<String, String> env, Duration timeout) {
        String uri = env.getOrDefault(EcsTaskMetadata.METADATA_URI_ENV, "");
        if (uri.isBlank()) {
            return new Result(List.of(Finding.info(METADATA, "not on ECS (" + EcsTaskMetadata.METADATA_URI_ENV
                    + " unset): task metadata and task protection not checked.")), Optional.empty());
        }
        EcsTaskMetadata task;
        try {
            task = EcsTaskMetadata.fromEnvironment(env, timeout).orElseThrow();
        } catch (EcsMetadataException | IllegalArgumentException e) {
            return new Result(List.of(Finding.fail(METADATA, e.getMessage() + ". The worker refuses to start without it."
                    + " Fix: run with ECS agent 1.39+ (task metadata v4), and do not set " + EcsTaskMetadata.METADATA_URI_ENV
                    + " outside ECS."), Finding.skip(PROTECTION, "needs the task metadata.")), Optional.empty());
        }
        List<Finding> findings = new ArrayList<>();
        findings.add(Finding.pass(METADATA, "task " + task.taskArn() + " in cluster " + task.cluster() + ", launch type "
                + task.launchType() + ", service " + (task.serviceName().isBlank() ? "(none)" : task.serviceName())
                + ", task definition " + task.family() + ":" + task.revision() + "."));
        findings.add(protection(env, task, timeout));
        return new Result(findings, Optional.of(task));
    }

    private static Finding protection(Map<String, String> env, EcsTaskMetadata task, Duration timeout) {
        if (task.serviceName().isBlank()) {
            return Finding.warn(PROTECTION, "this task is not part of an ECS service, and only service tasks can be protected:"
                    + " the worker runs without scale-in protection. Fix: run the worker as a service.");
        }
        Optional<EcsTaskProtection> backend;
        try {
            backend = EcsTaskProtection.fromEnvironment(env, timeout);
        } catch (IllegalArgumentException e) {
            return Finding.fail(PROTECTION, e.getMessage());
        }
        if (backend.isEmpty()) {
            return Finding.warn(PROTECTION, EcsTaskProtection.AGENT_URI_ENV + " is not set, so the worker cannot protect this"
                    + " task from scale-in: deploys and scale-in may pick a busy task (it drains, but cannot finish its calls"
                    + " beyond the stop timeout). Fix: use ECS agent 1.65.0 or later.");
        }
        try (EcsTaskProtection ecs = backend.get()) {
            boolean on = ecs.currentlyProtected();
            return Finding.pass(PROTECTION, "the task role may read task protection (ecs:GetTaskProtection; protection is "
                    + (on ? "on" : "off") + " now). ecs:UpdateTaskProtection is not probed, to leave a running worker's"
                    + " protection alone; grant both.");
        } catch (ProtectionException e) {
            boolean denied = e.getMessage().startsWith("access denied");
            return denied
                    ? Finding.fail(PROTECTION, e.getMessage() + ". Fix: allow ecs:UpdateTaskProtection and ecs:GetTaskProtection"
                            + " on the task role (see the README's IAM table).")
                    : Finding.warn(PROTECTION, "could not read task protection: " + e.getMessage()
                            + ". Fix: check the ECS agent and the task role; the worker retries such failures.");
        }
    }
}
