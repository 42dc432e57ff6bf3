package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed CloudFormation template: its resources by logical id, and the few value helpers the
 * checks share. Values are read statically: a literal is a value, {@code Ref}/{@code Fn::GetAtt}
 * to a resource in the template is a reference, anything else (parameters, {@code Fn::If},
 * {@code Fn::ImportValue}, ...) is "cannot verify" — never a guess.
 */
final class Template {
    static final String TASK_DEFINITION = "AWS::ECS::TaskDefinition";
    static final String SERVICE = "AWS::ECS::Service";
    static final String CLUSTER = "AWS::ECS::Cluster";
    static final String CAPACITY_PROVIDER = "AWS::ECS::CapacityProvider";
    static final String CLUSTER_CAPACITY_PROVIDER_ASSOCIATIONS = "AWS::ECS::ClusterCapacityProviderAssociations";
    static final String AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup";
    static final String ROLE = "AWS::IAM::Role";
    static final String POLICY = "AWS::IAM::Policy";
    static final String MANAGED_POLICY = "AWS::IAM::ManagedPolicy";
    static final String ROLE_POLICY = "AWS::IAM::RolePolicy";

    private final Map<String, JsonNode> resources;

    private Template(Map<String, JsonNode> resources) {
        this.resources = resources;
    }

    /**
     * @throws TemplateException when {@code root} has no {@code Resources} object
     */
    static Template of(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new TemplateException("not a CloudFormation template: expected an object with a \"Resources\" section, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        JsonNode section = root.get("Resources");
        if (section == null || !section.isObject()) {
            throw new TemplateException("not a CloudFormation template: it has no \"Resources\" section");
        }
        Map<String, JsonNode> resources = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : section.properties()) {
            if (e.getValue().isObject()) {
                resources.put(e.getKey(), e.getValue());
            }
        }
        return new Template(resources);
    }

    /** Logical ids of the resources of {@code type}, in template order. */
    List<String> idsOfType(String type) {
        List<String> ids = new ArrayList<>();
        resources.forEach((id, r) -> {
            if (type.equals(r.path("Type").asText())) {
                ids.add(id);
            }
        });
        return ids;
    }

    boolean has(String id, String type) {
        JsonNode r = resources.get(id);
        return r != null && type.equals(r.path("Type").asText());
    }

    /** The resource's {@code Properties}, or a missing node. */
    JsonNode properties(String id) {
        JsonNode r = resources.get(id);
        return r == null ? MissingNode.getInstance() : r.path("Properties");
    }

    /**
     * The logical id of the resource of {@code type} that {@code value} points at: {@code {"Ref": id}},
     * {@code {"Fn::GetAtt": [id, attr]}} or {@code {"Fn::GetAtt": "id.attr"}}, or a literal that
     * equals the resource's {@code nameProperty} (e.g. a role's {@code RoleName}; may be null).
     */
    Optional<String> reference(JsonNode value, String type, String nameProperty) {
        if (value == null) {
            return Optional.empty();
        }
        String id = null;
        if (value.isObject() && value.size() == 1) {
            if (value.has("Ref")) {
                id = value.get("Ref").asText(null);
            } else if (value.has("Fn::GetAtt")) {
                JsonNode att = value.get("Fn::GetAtt");
                if (att.isArray() && !att.isEmpty()) {
                    id = att.get(0).asText(null);
                } else if (att.isTextual()) {
                    id = att.asText().split("\\.", 2)[0];
                }
            }
        } else if (value.isTextual() && nameProperty != null) {
            for (String candidate : idsOfType(type)) {
                if (value.asText().equals(properties(candidate).path(nameProperty).asText(null))) {
                    id = candidate;
                }
            }
        }
        return id != null && has(id, type) ? Optional.of(id) : Optional.empty();
    }

    // ---- values -------------------------------------------------------------------------

    /** Absent: not in the template, or JSON null. */
    static boolean absent(JsonNode value) {
        return value == null || value.isMissingNode() || value.isNull();
    }

    /** A whole number, given as a number or as digits in a string (CloudFormation takes both). */
    static Optional<Long> integer(JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isIntegralNumber()) {
            return Optional.of(value.asLong());
        }
        if (value.isTextual() && value.asText().strip().matches("-?[0-9]{1,15}")) {
            return Optional.of(Long.parseLong(value.asText().strip()));
        }
        return Optional.empty();
    }

    /** A literal scalar as text (strings, numbers, booleans); empty for objects, arrays and absent values. */
    static Optional<String> text(JsonNode value) {
        return value != null && value.isValueNode() && !value.isNull() ? Optional.of(value.asText()) : Optional.empty();
    }

    /** A literal boolean: {@code true}/{@code false}, or those words in a string, any case. */
    static Optional<Boolean> bool(JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isBoolean()) {
            return Optional.of(value.asBoolean());
        }
        if (value.isTextual()) {
            String t = value.asText().strip().toLowerCase(Locale.ROOT);
            if (t.equals("true") || t.equals("false")) {
                return Optional.of(t.equals("true"));
            }
        }
        return Optional.empty();
    }

    /** A list of literal strings (a single string counts as a list of one); empty when any element is not literal. */
    static Optional<List<String>> strings(JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return Optional.of(List.of(value.asText()));
        }
        if (!value.isArray()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : value) {
            if (!e.isValueNode() || e.isNull()) {
                return Optional.empty();
            }
            out.add(e.asText());
        }
        return Optional.of(out);
    }

    /** Compact JSON of {@code value} for messages, cut at 120 characters. */
    static String show(JsonNode value) {
        String s = value == null ? "null" : value.toString();
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** The elements of an array, or the value itself when it is a single object (IAM's Statement may be either). */
    static List<JsonNode> elements(JsonNode value) {
        List<JsonNode> out = new ArrayList<>();
        if (value == null || value.isMissingNode() || value.isNull()) {
            return out;
        }
        if (value.isArray()) {
            value.forEach(out::add);
        } else {
            out.add(value);
        }
        return out;
    }
}
