package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Check 4: the task role lets the worker protect itself and watch deployments. The worker calls
 * the ECS agent's task-protection endpoint with the task role ({@code ecs:UpdateTaskProtection},
 * and {@code ecs:GetTaskProtection} to read it back) and polls {@code ecs:DescribeServices} to
 * notice that a rolling deploy replaced it. The role is {@code TaskRoleArn}'s {@code Fn::GetAtt}
 * or {@code Ref} (or a literal that is a template role's {@code RoleName}).
 */
final class TaskRoleCheck implements Check {
    static final String UPDATE = "ecs:UpdateTaskProtection";
    static final String GET = "ecs:GetTaskProtection";
    static final String DESCRIBE = "ecs:DescribeServices";
    private static final String ALL = UPDATE + ", " + GET + " and " + DESCRIBE;

    @Override
    public List<Finding> check(Workload workload) {
        List<Finding> out = new ArrayList<>();
        for (Workload.TaskDefinition td : workload.taskDefinitions()) {
            if (!td.workers().isEmpty()) {
                check(workload.template, td, out);
            }
        }
        return out;
    }

    private static void check(Template t, Workload.TaskDefinition td, List<Finding> out) {
        JsonNode arn = td.properties().get("TaskRoleArn");
        if (Template.absent(arn)) {
            out.add(Finding.fail(td.id(), "has no TaskRoleArn, so the worker has no role to call " + UPDATE
                            + " with: it cannot protect a task that holds calls from scale-in and deploys",
                    "add a task role that allows " + ALL + ", and set TaskRoleArn to {\"Fn::GetAtt\": [\"<role>\", \"Arn\"]}"));
            return;
        }
        Optional<String> role = t.reference(arn, Template.ROLE, "RoleName");
        if (role.isEmpty()) {
            out.add(Finding.warn(td.id(), "cannot verify the task role's permissions: TaskRoleArn " + Template.show(arn)
                    + " is not a role in this template", "make sure that role allows " + ALL));
            return;
        }
        String id = role.get();
        String label = "task role of " + td.id();
        IamPermissions permissions = IamPermissions.ofRole(t, id);
        List<String> granted = new ArrayList<>();
        check(permissions, UPDATE, id, label, granted, out, Severity.FAIL,
                "so the worker cannot turn on task scale-in protection: a deploy or scale-in may stop a task that holds calls");
        check(permissions, GET, id, label, granted, out, Severity.WARN,
                "so the worker cannot read its protection state back from the ECS agent (today's worker only sets it, so nothing breaks yet)");
        check(permissions, DESCRIBE, id, label, granted, out, Severity.WARN,
                "so the deployment watcher is blind: a busy old task, protected and so sent no SIGTERM, never learns that a rolling deploy"
                        + " replaced it and keeps taking calls on the old revision, holding the deploy up");
        if (!granted.isEmpty()) {
            out.add(Finding.ok(id, "the " + label + " allows " + String.join(", ", granted)));
        }
    }

    private static void check(IamPermissions permissions, String action, String role, String label, List<String> granted,
                              List<Finding> out, Severity missing, String consequence) {
        IamPermissions.Result r = permissions.check(action);
        String allow = "allow " + action + (action.equals(DESCRIBE) ? " (on the service's ARN)" : "")
                + " in a policy attached to " + role + ", e.g. an AWS::IAM::Policy with Roles [{\"Ref\": \"" + role + "\"}]";
        switch (r.verdict()) {
            case GRANTED -> granted.add(action);
            case MISSING -> out.add(new Finding(missing, role, "the " + label + " does not allow " + action
                    + (r.where().isEmpty() ? "" : " (" + r.where() + ")") + ", " + consequence, allow));
            case DENIED -> out.add(new Finding(missing, role, "the " + label + " is denied " + action + " by " + r.where() + ", "
                    + consequence, "remove or narrow that Deny, and " + allow));
            case UNKNOWN -> out.add(Finding.warn(role, "cannot verify that the " + label + " allows " + action + ": " + r.where(),
                    "make sure it does (" + consequence.replaceFirst("^so ", "without it ") + ")"));
        }
    }
}
