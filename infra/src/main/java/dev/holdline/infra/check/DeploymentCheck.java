package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks 5 and 6: a rolling deploy starts the new tasks before it needs the old ones gone.
 * Old tasks that hold calls are protected (ECS leaves them alone and sends them no SIGTERM); the
 * worker's deployment watcher sees it is out of date, drains — takes no new calls — and drops its
 * protection when its last call ends. So the deploy must be able to run a full set of new tasks
 * beside the draining old ones ({@code MaximumPercent} 200), must not stop tasks before their
 * replacements run ({@code MinimumHealthyPercent} 100), and should roll back a revision that
 * cannot start (circuit breaker), since a drain is one-way.
 */
final class DeploymentCheck implements Check {
    static final int MINIMUM_HEALTHY = 100;
    static final int MAXIMUM = 200;

    @Override
    public List<Finding> check(Workload workload) {
        List<Finding> out = new ArrayList<>();
        for (Workload.TaskDefinition td : workload.taskDefinitions()) {
            if (td.services().isEmpty() && !td.workers().isEmpty()) {
                out.add(Finding.warn(td.id(), "no AWS::ECS::Service in this template runs it, so its deployment settings cannot be checked"
                                + " here (and ECS protects only service tasks from scale-in)",
                        "run infra check on the template that defines its service, or run it as a service"));
            }
        }
        for (Workload.Service s : workload.services()) {
            check(s, out);
        }
        return out;
    }

    private static void check(Workload.Service s, List<Finding> out) {
        JsonNode props = s.properties();
        if (Template.text(props.get("SchedulingStrategy")).filter("DAEMON"::equalsIgnoreCase).isPresent()) {
            out.add(Finding.warn(s.id(), "SchedulingStrategy DAEMON: a daemon service replaces a task on an instance only after stopping"
                    + " the old one, so it cannot run new tasks beside draining ones", "run workers as a REPLICA service"));
            return;
        }
        Optional<String> controller = Template.text(props.path("DeploymentController").get("Type"));
        if (controller.filter(c -> !c.equalsIgnoreCase("ECS")).isPresent()) {
            out.add(Finding.warn(s.id(), "DeploymentController " + controller.get() + ": DescribeServices shows no PRIMARY deployment for it,"
                            + " so the worker's deployment watcher never drains an out-of-date task",
                    "use the rolling-update controller (DeploymentController Type ECS), or stop old tasks from your deploy tooling"));
        }
        JsonNode config = props.path("DeploymentConfiguration");
        Optional<String> strategy = Template.text(config.get("Strategy"));
        if (strategy.filter(v -> !v.equalsIgnoreCase("ROLLING")).isPresent()) {
            out.add(Finding.warn(s.id(), "DeploymentConfiguration Strategy " + strategy.get() + ": these checks and the worker's deployment"
                    + " watcher assume a rolling deploy", "use Strategy ROLLING (the default)"));
        }
        minimumHealthy(s.id(), config.get("MinimumHealthyPercent"), out);
        maximum(s.id(), config.get("MaximumPercent"), out);
        circuitBreaker(s.id(), config.get("DeploymentCircuitBreaker"), out);
    }

    private static void minimumHealthy(String id, JsonNode value, List<Finding> out) {
        String fix = "set DeploymentConfiguration.MinimumHealthyPercent to " + MINIMUM_HEALTHY
                + " (with MaximumPercent " + MAXIMUM + " ECS starts the new tasks first)";
        if (Template.absent(value)) {
            out.add(Finding.ok(id, "MinimumHealthyPercent is not set, so ECS uses " + MINIMUM_HEALTHY + ": no task is stopped before its"
                    + " replacement runs"));
            return;
        }
        Optional<Long> percent = Template.integer(value);
        if (percent.isEmpty()) {
            out.add(Finding.warn(id, "cannot verify DeploymentConfiguration.MinimumHealthyPercent " + Template.show(value)
                    + ": it must be at least " + MINIMUM_HEALTHY, fix));
        } else if (percent.get() < MINIMUM_HEALTHY) {
            out.add(Finding.fail(id, "DeploymentConfiguration.MinimumHealthyPercent " + percent.get() + " lets a deploy stop "
                            + (MINIMUM_HEALTHY - percent.get()) + "% of the tasks before any replacement runs: every task not protected at"
                            + " that moment (idle ones, and any whose protection request has not gone through yet) gets SIGTERM and stops"
                            + " taking calls, and the service answers with " + percent.get() + "% of its capacity until new tasks are up",
                    fix));
        } else {
            out.add(Finding.ok(id, "MinimumHealthyPercent " + percent.get() + ": no task is stopped before its replacement runs"));
        }
    }

    private static void maximum(String id, JsonNode value, List<Finding> out) {
        String fix = "set DeploymentConfiguration.MaximumPercent to " + MAXIMUM + ", so a full set of new tasks starts beside the draining"
                + " ones (the cluster needs room for twice the desired count for the length of a drain; managed scaling adds instances)";
        if (Template.absent(value)) {
            out.add(Finding.ok(id, "MaximumPercent is not set, so ECS uses " + MAXIMUM + ": a full set of new tasks can start beside the"
                    + " protected old ones"));
            return;
        }
        Optional<Long> percent = Template.integer(value);
        if (percent.isEmpty()) {
            out.add(Finding.warn(id, "cannot verify DeploymentConfiguration.MaximumPercent " + Template.show(value) + ": it must be at least "
                    + MAXIMUM, fix));
        } else if (percent.get() < MAXIMUM) {
            long fresh = Math.max(0, percent.get() - 100);
            out.add(Finding.fail(id, "DeploymentConfiguration.MaximumPercent " + percent.get() + " is below the " + MAXIMUM
                            + " a protected deploy needs: out-of-date tasks drain at once (they take no new calls) but stay until their"
                            + " last call ends, and ECS may start only " + fresh + "% of the desired count beside them, so for up to the"
                            + " longest drain_timeout only those " + fresh + "% take new calls" + (fresh == 0 ? " and the deploy cannot proceed" : ""),
                    fix));
        } else {
            out.add(Finding.ok(id, "MaximumPercent " + percent.get() + ": a full set of new tasks can start beside the protected old ones"));
        }
    }

    private static void circuitBreaker(String id, JsonNode breaker, List<Finding> out) {
        String fix = "set DeploymentConfiguration.DeploymentCircuitBreaker to {\"Enable\": true, \"Rollback\": true}";
        String risk = "if the new revision cannot start, the old tasks have already drained (a drain is one-way) and the service is left"
                + " with fewer and fewer workers taking calls";
        if (Template.absent(breaker)) {
            out.add(Finding.warn(id, "no deployment circuit breaker: " + risk, fix));
            return;
        }
        Optional<Boolean> enable = Template.bool(breaker.get("Enable"));
        Optional<Boolean> rollback = Template.bool(breaker.get("Rollback"));
        if (enable.isEmpty() || rollback.isEmpty()) {
            out.add(Finding.warn(id, "cannot verify DeploymentCircuitBreaker " + Template.show(breaker), fix));
        } else if (!enable.get()) {
            out.add(Finding.warn(id, "the deployment circuit breaker is off: " + risk, fix));
        } else if (!rollback.get()) {
            out.add(Finding.warn(id, "the deployment circuit breaker stops a failing deploy but does not roll back: " + risk, fix));
        } else {
            out.add(Finding.ok(id, "the deployment circuit breaker rolls back a revision that cannot start"));
        }
    }
}
