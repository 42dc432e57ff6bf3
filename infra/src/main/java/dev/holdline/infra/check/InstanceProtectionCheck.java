package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Check 7: Auto Scaling does not terminate an EC2 instance under workers that hold calls. Task
 * protection does not reach the instance; that takes an ECS capacity provider with managed
 * termination protection, whose Auto Scaling group starts instances protected from scale-in
 * ({@code NewInstancesProtectedFromScaleIn}; ECS then lifts protection from instances without
 * tasks). Managed draining makes ECS drain an instance that is going away anyway (instance
 * refresh, rebalancing), which stops its tasks with SIGTERM: the ordinary drain. Skipped when
 * every worker runs on Fargate only.
 */
final class InstanceProtectionCheck implements Check {
    private static final String ENABLED = "ENABLED";

    @Override
    public List<Finding> check(Workload workload) {
        List<Finding> out = new ArrayList<>();
        Optional<String> ec2Worker = workload.taskDefinitions().stream()
                .filter(td -> !td.workers().isEmpty() && !fargateOnly(td))
                .map(Workload.TaskDefinition::id)
                .findFirst();
        if (ec2Worker.isEmpty()) {
            return out;
        }
        Template t = workload.template;
        List<String> providers = t.idsOfType(Template.CAPACITY_PROVIDER).stream()
                .filter(id -> !Template.absent(t.properties(id).get("AutoScalingGroupProvider")))
                .toList();
        List<String> groups = t.idsOfType(Template.AUTO_SCALING_GROUP);
        if (providers.isEmpty() && groups.isEmpty()) {
            out.add(Finding.warn(ec2Worker.get(), "cannot verify instance protection: the template has no capacity provider and no Auto"
                            + " Scaling group (the cluster's instances are defined elsewhere)",
                    "make sure the cluster's capacity provider has ManagedTerminationProtection ENABLED and ManagedDraining ENABLED,"
                            + " and its Auto Scaling group NewInstancesProtectedFromScaleIn true"));
            return out;
        }
        Set<String> covered = new HashSet<>();
        for (String id : providers) {
            JsonNode asgProvider = t.properties(id).get("AutoScalingGroupProvider");
            terminationProtection(id, asgProvider.get("ManagedTerminationProtection"), out);
            draining(id, asgProvider.get("ManagedDraining"), out);
            JsonNode arn = asgProvider.get("AutoScalingGroupArn");
            Optional<String> group = t.reference(arn, Template.AUTO_SCALING_GROUP, "AutoScalingGroupName");
            if (group.isPresent()) {
                covered.add(group.get());
                newInstancesProtected(group.get(), id, t.properties(group.get()).get("NewInstancesProtectedFromScaleIn"), out);
            } else {
                out.add(Finding.warn(id, "cannot verify its Auto Scaling group " + Template.show(arn) + ", which is not in this template:"
                                + " its NewInstancesProtectedFromScaleIn must be true",
                        "make sure that group has NewInstancesProtectedFromScaleIn true"));
            }
        }
        for (String group : groups) {
            if (covered.contains(group)) {
                continue;
            }
            String problem = "no ECS capacity provider in this template uses it, so if workers run on its instances nothing keeps Auto"
                    + " Scaling from terminating one that holds calls";
            String fix = "add an AWS::ECS::CapacityProvider for it with ManagedTerminationProtection ENABLED and ManagedDraining ENABLED,"
                    + " associate it with the cluster, and set NewInstancesProtectedFromScaleIn: true";
            out.add(providers.isEmpty() ? Finding.fail(group, problem, fix) : Finding.warn(group, problem, fix));
        }
        return out;
    }

    /** RequiresCompatibilities is a literal list with FARGATE and without EC2. */
    private static boolean fargateOnly(Workload.TaskDefinition td) {
        return Template.strings(td.properties().get("RequiresCompatibilities"))
                .map(list -> list.stream().map(v -> v.strip().toUpperCase(Locale.ROOT)).toList())
                .filter(list -> list.contains("FARGATE") && !list.contains("EC2"))
                .isPresent();
    }

    private static void terminationProtection(String id, JsonNode value, List<Finding> out) {
        String fix = "set AutoScalingGroupProvider.ManagedTerminationProtection: ENABLED (it needs managed scaling, and the group's"
                + " NewInstancesProtectedFromScaleIn: true)";
        Optional<String> setting = Template.text(value);
        if (!Template.absent(value) && setting.isEmpty()) {
            out.add(Finding.warn(id, "cannot verify ManagedTerminationProtection " + Template.show(value), fix));
        } else if (setting.filter(ENABLED::equalsIgnoreCase).isPresent()) {
            out.add(Finding.ok(id, "ManagedTerminationProtection ENABLED: Auto Scaling does not terminate an instance that runs tasks"));
        } else {
            out.add(Finding.fail(id, "ManagedTerminationProtection is " + setting.map(v -> v).orElse("not set (so DISABLED)")
                    + ", so a scale-in of the Auto Scaling group may terminate an instance whose workers hold calls, without a drain", fix));
        }
    }

    private static void draining(String id, JsonNode value, List<Finding> out) {
        String fix = "set AutoScalingGroupProvider.ManagedDraining: ENABLED";
        Optional<String> setting = Template.text(value);
        if (Template.absent(value)) {
            out.add(Finding.ok(id, "ManagedDraining is not set; ECS turns it on by default for a new capacity provider, so an instance"
                    + " that is going away is drained first (its tasks get SIGTERM and drain) - set it to ENABLED to be explicit"));
        } else if (setting.isEmpty()) {
            out.add(Finding.warn(id, "cannot verify ManagedDraining " + Template.show(value), fix));
        } else if (setting.get().equalsIgnoreCase(ENABLED)) {
            out.add(Finding.ok(id, "ManagedDraining ENABLED: an instance that is going away is drained first (its tasks get SIGTERM and drain)"));
        } else {
            out.add(Finding.warn(id, "ManagedDraining is " + setting.get() + ": when Auto Scaling terminates an instance despite its protection"
                    + " (an instance refresh, a health-check replacement), ECS neither drains it nor stops placing"
                    + " tasks on it, so its workers get no SIGTERM from ECS and, without a termination lifecycle hook, their calls end with"
                    + " the instance", fix));
        }
    }

    private static void newInstancesProtected(String group, String provider, JsonNode value, List<Finding> out) {
        String fix = "set NewInstancesProtectedFromScaleIn: true on " + group + " (ECS then lifts protection only from instances that run"
                + " no tasks)";
        Optional<Boolean> on = Template.bool(value);
        if (!Template.absent(value) && on.isEmpty()) {
            out.add(Finding.warn(group, "cannot verify NewInstancesProtectedFromScaleIn " + Template.show(value), fix));
        } else if (on.orElse(false)) {
            out.add(Finding.ok(group, "NewInstancesProtectedFromScaleIn true: instances start protected from scale-in"));
        } else {
            out.add(Finding.fail(group, "NewInstancesProtectedFromScaleIn is " + (Template.absent(value) ? "not set (so false)" : "false")
                    + ", so instances start unprotected and a scale-in may terminate one whose workers hold calls (the managed"
                    + " termination protection of " + provider + " needs it)", fix));
        }
    }
}
