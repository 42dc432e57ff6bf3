package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Synthesized templates shared by every test class in the JVM: CDK's jsii runtime takes seconds to
 * start and each synth a second or two more, so each variant is synthesized once, on first use,
 * into one temp directory removed at exit.
 */
final class Synthesized {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/holdline:1.4.2";
    static final String SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:holdline/livekit-AbC123";
    static final String LIVEKIT_URL = "wss://livekit.example.com";

    /** The variants the tests look at. */
    enum Variant {
        /** profiles.yaml, every default: new VPC, stack parameters for image, URL and secret, no hook. */
        DEFAULTS("profiles.yaml", b -> b),
        /** One task per instance with the hook, and every value given on the command line. */
        HOOK_ONE_PER_INSTANCE("profiles.yaml", b -> b.lifecycleHook(true).image(ECR_IMAGE).livekitUrl(LIVEKIT_URL)
                .livekitSecretArn(SECRET_ARN)),
        /** Four tasks per Graviton instance with the hook, in an imported VPC. */
        HOOK_SHARED_INSTANCES("profiles.yaml", b -> b.lifecycleHook(true).tasksPerInstance(4).instanceType("c7g.2xlarge")
                .hookHeartbeatTimeout(java.time.Duration.ofSeconds(180))
                .vpcId("vpc-0a1b2c3d4e5f67890").subnetIds(List.of("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"))
                .availabilityZones(List.of("eu-west-1a", "eu-west-1b"))),
        /** profiles-longer.yaml: 'support' drains 20 min. */
        LONGER_PROFILE("profiles-longer.yaml", b -> b),
        /** profiles-stop-timeout.yaml: the file's own stop_timeout (1000s). */
        FILE_STOP_TIMEOUT("profiles-stop-timeout.yaml", b -> b);

        final String profiles;
        final UnaryOperator<SynthSettings.Builder> settings;

        Variant(String profiles, UnaryOperator<SynthSettings.Builder> settings) {
            this.profiles = profiles;
            this.settings = settings;
        }
    }

    /** A synthesized variant: its result and its template, parsed. */
    record Stack(HoldlineSynth.Result result, JsonNode template, String text) {
        Path templateFile() {
            return result.template();
        }

        /** The one resource of {@code type}; fails unless there is exactly one. */
        JsonNode resource(String type) {
            List<JsonNode> all = resources(type);
            assertEquals(1, all.size(), "resources of type " + type);
            return all.get(0);
        }

        List<JsonNode> resources(String type) {
            List<JsonNode> found = new ArrayList<>();
            template.path("Resources").forEach(r -> {
                if (type.equals(r.path("Type").asText())) {
                    found.add(r);
                }
            });
            return found;
        }

        String logicalId(String type) {
            List<String> ids = new ArrayList<>();
            template.path("Resources").properties().forEach(e -> {
                if (type.equals(e.getValue().path("Type").asText())) {
                    ids.add(e.getKey());
                }
            });
            assertEquals(1, ids.size(), "resources of type " + type);
            return ids.get(0);
        }

        JsonNode container() {
            JsonNode containers = resource("AWS::ECS::TaskDefinition").path("Properties").path("ContainerDefinitions");
            assertEquals(1, containers.size(), "containers");
            return containers.get(0);
        }

        /** The container's plain environment as name → JSON value. */
        Map<String, JsonNode> environment() {
            Map<String, JsonNode> env = new java.util.LinkedHashMap<>();
            container().path("Environment").forEach(e -> env.put(e.path("Name").asText(), e.path("Value")));
            return env;
        }

        /** Every statement of every IAM policy attached to the role with logical id {@code roleId}. */
        List<JsonNode> statementsOf(String roleId) {
            List<JsonNode> statements = new ArrayList<>();
            for (JsonNode policy : resources("AWS::IAM::Policy")) {
                boolean attached = false;
                for (JsonNode role : policy.path("Properties").path("Roles")) {
                    attached |= roleId.equals(role.path("Ref").asText());
                }
                if (attached) {
                    policy.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
                }
            }
            return statements;
        }
    }

    private static final Map<Variant, Stack> CACHE = new ConcurrentHashMap<>();
    private static Path root;

    private Synthesized() {
    }

    static Path resource(String name) {
        try {
            return Path.of(Synthesized.class.getResource("/cdk/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource cdk/" + name + " is missing", e);
        }
    }

    static SynthSettings.Builder settings(Variant v, Path out) {
        return v.settings.apply(SynthSettings.builder(resource(v.profiles)).outDir(out));
    }

    static synchronized Stack of(Variant v) {
        assumeTrue(nodeOnPath(), "node is not on the PATH: CDK's jsii runtime needs Node.js to synthesize; synth tests skipped");
        Stack cached = CACHE.get(v);
        if (cached != null) {
            return cached;
        }
        Path out = tempRoot().resolve(v.name().toLowerCase());
        HoldlineSynth.Result result = HoldlineSynth.synth(settings(v, out).build());
        try {
            String text = Files.readString(result.template());
            JsonNode template = JSON.readTree(text);
            assertTrue(template.path("Resources").isObject(), "template has Resources");
            Stack stack = new Stack(result, template, text);
            CACHE.put(v, stack);
            return stack;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean nodeOnPath() {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "node")));
    }

    /** A fresh directory under the shared temp root. */
    static synchronized Path newDir(String name) {
        try {
            return Files.createTempDirectory(tempRoot(), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tempRoot() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("holdline-synth-test");
            } catch (IOException e) {
                fail("cannot create a temp directory", e);
            }
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(r)));
        }
        return root;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }
}
