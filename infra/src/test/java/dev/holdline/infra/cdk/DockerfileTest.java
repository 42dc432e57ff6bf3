package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code infra/Dockerfile}, parsed (Docker cannot run here): the properties a drain depends on,
 * and that it agrees with the task definition {@link HoldlineStack} writes.
 */
class DockerfileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One instruction: keyword upper-cased, the rest as written (continuations joined). */
    record Instruction(String keyword, String args, int stage) {
    }

    private static List<Instruction> instructions;
    private static int stages;

    @BeforeAll
    static void parse() throws IOException {
        Path dockerfile = Path.of("Dockerfile");
        if (!Files.exists(dockerfile)) {
            dockerfile = Path.of("infra", "Dockerfile");
        }
        instructions = parse(Files.readAllLines(dockerfile));
        stages = (int) instructions.stream().filter(i -> i.keyword().equals("FROM")).count();
    }

    /** Dockerfile syntax as far as these tests need it: comments, line continuations, keyword + arguments. */
    static List<Instruction> parse(List<String> lines) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int stage = -1;
        for (String raw : lines) {
            String line = raw.strip();
            if (current.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (!current.isEmpty() && line.startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String text = current.toString().strip();
            current.setLength(0);
            int space = text.indexOf(' ');
            String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            String args = space < 0 ? "" : text.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                stage++;
            }
            out.add(new Instruction(keyword, args, stage));
        }
        return out;
    }

    private static List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    private static List<Instruction> inFinalStage(String keyword) {
        return all(keyword).stream().filter(i -> i.stage() == stages - 1).toList();
    }

    /** An exec-form argument list; fails for shell form. */
    private static List<String> execForm(String keyword, String args) {
        if (!args.startsWith("[")) {
            fail(keyword + " is in shell form (a shell becomes PID 1 and swallows SIGTERM): " + args);
        }
        try {
            JsonNode array = JSON.readTree(args);
            List<String> list = new ArrayList<>();
            array.forEach(n -> list.add(n.asText()));
            return list;
        } catch (IOException e) {
            throw new AssertionError(keyword + " is not a JSON array: " + args, e);
        }
    }

    @Test
    void isMultiStageWithAJdk21BuildAndAJre21Runtime() {
        assertTrue(stages >= 2, "multi-stage");
        String build = all("FROM").get(0).args();
        assertTrue(build.matches("\\S*(temurin|jdk)\\S*21\\S* AS build") || build.matches("\\S*21\\S*jdk\\S* AS build"),
                "build stage on a JDK 21: " + build);
        String runtime = all("FROM").get(stages - 1).args();
        assertTrue(runtime.matches("eclipse-temurin:21(\\.[0-9.]+)?(_[0-9]+)?-jre(-[a-z]+)?(@sha256:[0-9a-f]{64})?"),
                "runtime on a JRE 21: " + runtime);
    }

    @Test
    void buildsTheExampleJarWithTheRepositoriesWrapper() {
        String run = all("RUN").stream().filter(i -> i.stage() == 0).map(Instruction::args)
                .filter(a -> a.contains("./mvnw")).findFirst().orElseThrow(() -> new AssertionError("no ./mvnw in the build stage"));
        assertTrue(run.contains("./mvnw -B -DskipTests"), run);
        assertTrue(run.contains(" package"), run);
        assertTrue(inFinalStage("COPY").stream().anyMatch(c -> c.args().contains("--from=build")
                && c.args().contains("/src/examples/target/holdline-examples.jar /app/holdline-examples.jar")));
    }

    @Test
    void copiesEveryReactorModulesPom() throws IOException {
        Path parent = Files.exists(Path.of("..", "pom.xml")) && Files.exists(Path.of("Dockerfile")) ? Path.of("..", "pom.xml") : Path.of("pom.xml");
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(parent));
        List<String> copies = all("COPY").stream().filter(i -> i.stage() == 0).map(Instruction::args).toList();
        int modules = 0;
        while (m.find()) {
            modules++;
            String pom = m.group(1) + "/pom.xml";
            assertTrue(copies.stream().anyMatch(c -> c.startsWith(pom + " ")),
                    "the build stage must copy " + pom + " (Maven reads every module of the reactor)");
        }
        assertTrue(modules >= 5, "modules found in " + parent);
    }

    @Test
    void entrypointAndCmdAreExecFormAndMatchTheTaskDefinition() {
        assertEquals(1, all("ENTRYPOINT").size());
        List<String> entrypoint = execForm("ENTRYPOINT", all("ENTRYPOINT").get(0).args());
        assertEquals(HoldlineStack.ENTRY_POINT, entrypoint);
        assertEquals("java", entrypoint.get(0));
        assertTrue(entrypoint.contains("-XX:MaxRAMPercentage=75"));
        assertTrue(entrypoint.contains("-XX:+ExitOnOutOfMemoryError"));
        assertEquals(1, all("CMD").size());
        assertEquals(List.of("start", "--agent", "hold"), execForm("CMD", all("CMD").get(0).args()));
    }

    @Test
    void runsAsANonRootUser() {
        List<Instruction> users = inFinalStage("USER");
        assertFalse(users.isEmpty(), "USER in the runtime stage");
        String user = users.get(users.size() - 1).args().split(":")[0];
        assertFalse(user.isBlank() || user.equals("root") || user.equals("0"), "runs as " + user);
        int userIndex = instructions.indexOf(users.get(users.size() - 1));
        assertTrue(instructions.indexOf(all("ENTRYPOINT").get(0)) > userIndex, "USER comes before ENTRYPOINT");
    }

    @Test
    void healthCheckIsExecFormOnTheWorkersHealthPortWithAnInstalledCurl() {
        List<Instruction> checks = inFinalStage("HEALTHCHECK");
        assertEquals(1, checks.size());
        String args = checks.get(0).args();
        int cmd = args.indexOf("CMD ");
        assertTrue(cmd >= 0, "HEALTHCHECK ... CMD: " + args);
        List<String> command = execForm("HEALTHCHECK CMD", args.substring(cmd + 4).strip());
        assertEquals(HoldlineStack.HEALTH_CHECK_COMMAND.subList(1, HoldlineStack.HEALTH_CHECK_COMMAND.size()), command,
                "the image's health check is the task definition's");
        assertTrue(command.contains("http://127.0.0.1:8081/"));
        assertTrue(inFinalStage("RUN").stream().anyMatch(r -> r.args().matches(".*apt-get install .*\\bcurl\\b.*")),
                "curl installed in the runtime stage");
    }

    @Test
    void stopsWithSigterm() {
        assertEquals(List.of("SIGTERM"), inFinalStage("STOPSIGNAL").stream().map(Instruction::args).toList());
    }

    @Test
    void bakesTheProfileFileWhereTheTaskDefinitionPointsHoldlineProfiles() {
        String path = SynthSettings.DEFAULT_PROFILES_PATH_IN_IMAGE;
        assertTrue(inFinalStage("COPY").stream().anyMatch(c -> c.args().matches(".*\\$\\{PROFILES} " + Pattern.quote(path))),
                "COPY ${PROFILES} " + path);
        assertTrue(inFinalStage("ENV").stream().anyMatch(e -> e.args().equals("HOLDLINE_PROFILES=" + path)));
        assertTrue(inFinalStage("ARG").stream().anyMatch(a -> a.args().startsWith("PROFILES")));
    }

    @Test
    void noShellFormEntrypointOrCmdAnywhere() {
        for (Instruction i : instructions) {
            if (i.keyword().equals("ENTRYPOINT") || i.keyword().equals("CMD")) {
                execForm(i.keyword(), i.args());
            }
        }
    }

    @Test
    void theParserSeesShellForm() {
        List<Instruction> parsed = parse(List.of("FROM eclipse-temurin:21-jre", "ENTRYPOINT java -jar /app.jar"));
        assertEquals("ENTRYPOINT", parsed.get(1).keyword());
        assertFalse(parsed.get(1).args().startsWith("["));
    }
}
