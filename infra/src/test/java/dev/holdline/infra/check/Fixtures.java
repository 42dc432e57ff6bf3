package dev.holdline.infra.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The fixture template and profiles, and helpers to plant a misconfiguration into a copy. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String CLUSTER = "ClusterEB0386A7";
    static final String ASG = "ASG46ED3070";
    static final String CAPACITY_PROVIDER = "AsgCapacityProvider760D11D9";
    static final String TASK_ROLE = "WorkerTaskRoleB0DB0E0A";
    static final String TASK_ROLE_POLICY = "WorkerTaskRoleDefaultPolicy3F8E5A2C";
    static final String TASK_DEFINITION = "WorkerTask5C2F2F4E";
    static final String SERVICE = "WorkerService0A4C8C1D";

    private Fixtures() {
    }

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/check/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource check/" + name + " is missing", e);
        }
    }

    static ProfileConfig profiles() {
        return ProfileConfig.load(resource("profiles.yaml"), Map.of());
    }

    /** A fresh, mutable copy of good-template.json. */
    static ObjectNode goodTemplate() {
        try {
            return (ObjectNode) JSON.readTree(resource("good-template.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode properties(ObjectNode template, String logicalId) {
        JsonNode p = template.at("/Resources/" + logicalId + "/Properties");
        if (!p.isObject()) {
            fail("fixture has no resource " + logicalId);
        }
        return (ObjectNode) p;
    }

    /** The worker container definition of the fixture's task definition. */
    static ObjectNode worker(ObjectNode template) {
        return (ObjectNode) properties(template, TASK_DEFINITION).withArray("ContainerDefinitions").get(0);
    }

    /** Sets (or with a null value removes) a variable in the worker container's Environment. */
    static void setEnv(ObjectNode template, String name, String value) {
        ArrayNode env = worker(template).withArray("Environment");
        for (int i = env.size() - 1; i >= 0; i--) {
            if (env.get(i).path("Name").asText().equals(name)) {
                env.remove(i);
            }
        }
        if (value != null) {
            env.addObject().put("Name", name).put("Value", value);
        }
    }

    static List<Finding> check(JsonNode template) {
        return TemplateChecker.check(template, profiles());
    }

    static List<Finding> of(List<Finding> findings, Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).toList();
    }

    /** The one FAIL among {@code findings}; fails the test with every line otherwise. */
    static Finding onlyFail(List<Finding> findings) {
        List<Finding> fails = of(findings, Severity.FAIL);
        assertEquals(1, fails.size(), () -> "expected exactly one FAIL, got:\n" + lines(findings));
        return fails.getFirst();
    }

    static String lines(List<Finding> findings) {
        return findings.stream().map(Finding::line).collect(Collectors.joining("\n"));
    }
}
