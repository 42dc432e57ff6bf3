package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which actions an IAM role in the template allows, read from every policy the template attaches
 * to it: its inline {@code Policies}, its {@code ManagedPolicyArns} that are
 * {@code AWS::IAM::ManagedPolicy} resources of the template, and {@code AWS::IAM::Policy},
 * {@code AWS::IAM::ManagedPolicy} and {@code AWS::IAM::RolePolicy} resources that name it. Actions
 * may be a string or a list, with IAM wildcards ({@code ecs:*}, {@code *}, {@code ecs:*TaskProtection});
 * {@code NotAction} and explicit {@code Deny} count. Resources and conditions are not evaluated.
 * Anything this cannot read (a managed policy from outside the template, a permissions boundary,
 * an intrinsic in place of an action list) makes a missing action {@link Verdict#UNKNOWN}, not missing.
 */
final class IamPermissions {
    enum Verdict { GRANTED, MISSING, DENIED, UNKNOWN }

    /** @param where the policy that grants or denies it, or why it is unknown */
    record Result(Verdict verdict, String where) {
    }

    private record Document(String source, JsonNode policy) {
    }

    private final List<Document> documents = new ArrayList<>();
    private final Set<String> unknowns = new LinkedHashSet<>();
    private Document boundary;

    private IamPermissions() {
    }

    static IamPermissions ofRole(Template t, String roleId) {
        IamPermissions p = new IamPermissions();
        JsonNode role = t.properties(roleId);
        JsonNode inline = role.get("Policies");
        if (!Template.absent(inline) && !inline.isArray()) {
            p.unknowns.add("its Policies are " + Template.show(inline));
        }
        for (JsonNode policy : Template.elements(inline)) {
            p.documents.add(new Document("inline policy '" + policy.path("PolicyName").asText("?") + "' of " + roleId,
                    policy.get("PolicyDocument")));
        }
        for (JsonNode arn : Template.elements(role.get("ManagedPolicyArns"))) {
            Optional<String> managed = t.reference(arn, Template.MANAGED_POLICY, null);
            if (managed.isPresent()) {
                p.documents.add(new Document("managed policy " + managed.get(), t.properties(managed.get()).get("PolicyDocument")));
            } else {
                p.unknowns.add("managed policy " + Template.show(arn) + " is not in the template");
            }
        }
        JsonNode boundary = role.get("PermissionsBoundary");
        if (!Template.absent(boundary)) {
            Optional<String> managed = t.reference(boundary, Template.MANAGED_POLICY, null);
            if (managed.isPresent()) {
                p.boundary = new Document("permissions boundary " + managed.get(), t.properties(managed.get()).get("PolicyDocument"));
            } else {
                p.unknowns.add("its permissions boundary " + Template.show(boundary) + " is not in the template");
            }
        }
        for (String type : List.of(Template.POLICY, Template.MANAGED_POLICY)) {
            for (String id : t.idsOfType(type)) {
                JsonNode props = t.properties(id);
                boolean attached = Template.elements(props.get("Roles")).stream()
                        .anyMatch(r -> t.reference(r, Template.ROLE, "RoleName").filter(roleId::equals).isPresent());
                if (attached) {
                    p.documents.add(new Document((type.equals(Template.POLICY) ? "policy " : "managed policy ") + id, props.get("PolicyDocument")));
                }
            }
        }
        for (String id : t.idsOfType(Template.ROLE_POLICY)) {
            JsonNode props = t.properties(id);
            if (t.reference(props.get("RoleName"), Template.ROLE, "RoleName").filter(roleId::equals).isPresent()) {
                p.documents.add(new Document("role policy " + id, props.get("PolicyDocument")));
            }
        }
        return p;
    }

    Result check(String action) {
        List<String> unknown = new ArrayList<>(unknowns);
        String allowed = null;
        for (Document d : documents) {
            Match m = match(d, action, unknown);
            if (m.denied != null) {
                return new Result(Verdict.DENIED, m.denied);
            }
            if (allowed == null) {
                allowed = m.allowed;
            }
        }
        if (allowed != null && boundary != null) {
            Match m = match(boundary, action, unknown);
            if (m.denied != null || m.allowed == null) {
                return new Result(m.denied != null ? Verdict.DENIED : Verdict.MISSING,
                        m.denied != null ? m.denied : "not allowed by its " + boundary.source());
            }
        }
        if (allowed != null) {
            return new Result(Verdict.GRANTED, allowed);
        }
        return unknown.isEmpty() ? new Result(Verdict.MISSING, "") : new Result(Verdict.UNKNOWN, String.join("; ", unknown));
    }

    private record Match(String allowed, String denied) {
    }

    /** Whether {@code d} allows or denies {@code action}; what cannot be read goes to {@code unknown}. */
    private static Match match(Document d, String action, List<String> unknown) {
        if (d.policy() == null || !d.policy().isObject()) {
            unknown.add(d.source() + " has PolicyDocument " + Template.show(d.policy()));
            return new Match(null, null);
        }
        String allowed = null;
        String denied = null;
        for (JsonNode statement : Template.elements(d.policy().get("Statement"))) {
            Optional<String> effect = Template.text(statement.get("Effect"));
            Optional<Boolean> matches = matches(statement, action);
            if (effect.isEmpty() || matches.isEmpty()) {
                unknown.add(d.source() + " has a statement this check cannot read: " + Template.show(statement));
                continue;
            }
            if (!matches.get()) {
                continue;
            }
            if (effect.get().equals("Deny")) {
                denied = d.source();
            } else if (effect.get().equals("Allow") && allowed == null) {
                allowed = d.source();
            }
        }
        return new Match(allowed, denied);
    }

    /** Whether the statement's Action (or NotAction) covers {@code action}; empty when it is not literal. */
    private static Optional<Boolean> matches(JsonNode statement, String action) {
        if (statement.has("Action")) {
            return Template.strings(statement.get("Action")).map(patterns -> patterns.stream().anyMatch(p -> glob(p, action)));
        }
        if (statement.has("NotAction")) {
            return Template.strings(statement.get("NotAction")).map(patterns -> patterns.stream().noneMatch(p -> glob(p, action)));
        }
        return Optional.empty();
    }

    /** IAM's action wildcards: {@code *} any run of characters, {@code ?} one; case does not matter. */
    static boolean glob(String pattern, String action) {
        StringBuilder regex = new StringBuilder();
        for (char ch : pattern.strip().toLowerCase(Locale.ROOT).toCharArray()) {
            switch (ch) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return action.toLowerCase(Locale.ROOT).matches(regex.toString());
    }
}
