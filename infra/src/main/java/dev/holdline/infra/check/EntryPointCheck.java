package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Check 3: SIGTERM reaches the JVM. ECS signals the container's PID 1; with a shell-form
 * entrypoint ({@code sh -c "java ..."}) that is the shell, which does not pass the signal on to
 * the JVM it started, so the worker never drains and its calls die at SIGKILL. The program run is
 * the {@code EntryPoint}, or the {@code Command} when there is no {@code EntryPoint}; an init
 * wrapper in front ({@code tini --}, {@code dumb-init}) is looked through.
 */
final class EntryPointCheck implements Check {
    private static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "zsh", "ksh", "mksh");
    private static final Set<String> INITS = Set.of("tini", "tini-static", "dumb-init", "docker-init", "catatonit");
    /** {@code exec} starting a command: at the script's start, or after ; & | ( or a newline. */
    private static final Pattern EXEC = Pattern.compile("(^|[;&|(\\n])\\s*exec\\s+\\S");
    private static final String EXEC_FORM = "[\"java\", ...]";

    @Override
    public List<Finding> check(Workload workload) {
        List<Finding> out = new ArrayList<>();
        for (Workload.TaskDefinition td : workload.taskDefinitions()) {
            for (WorkerContainer c : td.workers()) {
                out.add(check(c));
            }
        }
        return out;
    }

    private static Finding check(WorkerContainer c) {
        JsonNode entryPoint = c.definition().get("EntryPoint");
        JsonNode command = c.definition().get("Command");
        boolean hasEntryPoint = given(entryPoint);
        if (!hasEntryPoint && !given(command)) {
            return Finding.ok(c.taskDefinition(), c.label() + " sets no EntryPoint or Command, so the image's ENTRYPOINT runs, which"
                    + " the template does not show: it must be exec form " + EXEC_FORM);
        }
        String setting = hasEntryPoint ? "EntryPoint" : "Command";
        JsonNode value = hasEntryPoint ? entryPoint : command;
        Optional<List<String>> program = Template.strings(value);
        if (program.isEmpty()) {
            return Finding.warn(c.taskDefinition(), "cannot verify " + c.label() + " " + setting + " " + Template.show(value)
                    + ": SIGTERM must reach the JVM", "use a literal exec form " + EXEC_FORM);
        }
        String shown = c.label() + " " + setting + " " + Template.show(value);
        List<String> args = program.get();
        boolean oneString = args.size() == 1 && args.getFirst().strip().contains(" ");
        List<String> tokens = oneString ? Arrays.asList(args.getFirst().strip().split("\\s+")) : args;
        tokens = withoutInit(tokens);
        if (tokens.isEmpty()) {
            return Finding.warn(c.taskDefinition(), "cannot verify " + shown + ": it starts no program after its init",
                    "use exec form " + EXEC_FORM);
        }
        Optional<String> script = shellScript(tokens, hasEntryPoint ? Template.strings(command) : Optional.empty());
        if (script.isPresent()) {
            return shell(c, shown, script.get());
        }
        if (oneString) {
            String split = tokens.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", ", "[", "]"));
            return Finding.fail(c.taskDefinition(), shown + " is one string with spaces: ECS does not split it, so Docker looks for a program"
                            + " by that whole name, and wrapping it in a shell to make it start would send SIGTERM to the shell, not the JVM",
                    "split it into exec form, one argument per element: " + split);
        }
        String name = baseName(tokens.getFirst());
        if (name.equals("java")) {
            return Finding.ok(c.taskDefinition(), shown + " is exec form: the JVM gets SIGTERM itself");
        }
        return Finding.warn(c.taskDefinition(), "cannot verify " + shown + ": it runs " + tokens.getFirst() + ", not java; if that is a script,"
                + " SIGTERM reaches the JVM only if the script ends with exec java ...", "run the JVM in exec form " + EXEC_FORM
                + ", or make sure " + tokens.getFirst() + " execs it");
    }

    private static Finding shell(WorkerContainer c, String shown, String script) {
        boolean init = Template.bool(c.definition().path("LinuxParameters").get("InitProcessEnabled")).orElse(false);
        if (EXEC.matcher(script).find()) {
            return Finding.warn(c.taskDefinition(), shown + " runs a shell that execs its command, so SIGTERM reaches the JVM only if"
                    + " that exec starts the JVM", "use exec form " + EXEC_FORM + " so there is no doubt");
        }
        if (init) {
            return Finding.warn(c.taskDefinition(), shown + " runs a shell; LinuxParameters.InitProcessEnabled is true, so an init is PID 1"
                            + " and forwards SIGTERM to the shell, but the shell does not pass it on to the JVM it started",
                    "use exec form " + EXEC_FORM + ", or end the script with exec java ...");
        }
        return Finding.fail(c.taskDefinition(), shown + " runs a shell: SIGTERM goes to the shell, not the JVM, so the worker never"
                        + " starts its drain and ECS SIGKILLs its calls at stopTimeout",
                "use exec form " + EXEC_FORM + ", or make the shell exec the JVM (... && exec java ...)"
                        + " with LinuxParameters.InitProcessEnabled: true");
    }

    private static boolean given(JsonNode value) {
        return !Template.absent(value) && !(value.isArray() && value.isEmpty());
    }

    /** {@code tokens} without a leading init wrapper, its options and its {@code --}. */
    private static List<String> withoutInit(List<String> tokens) {
        if (tokens.isEmpty() || !INITS.contains(baseName(tokens.getFirst()))) {
            return tokens;
        }
        int i = 1;
        while (i < tokens.size() && tokens.get(i).startsWith("-") && !tokens.get(i).equals("--")) {
            i++;
        }
        if (i < tokens.size() && tokens.get(i).equals("--")) {
            i++;
        }
        return tokens.subList(i, tokens.size());
    }

    /**
     * The script when {@code tokens} run a shell with {@code -c} ({@code -c}, {@code -ec}, {@code -lc}, ...):
     * the argument after the options, or the {@code Command} when the EntryPoint ends with the option.
     */
    private static Optional<String> shellScript(List<String> tokens, Optional<List<String>> command) {
        if (!SHELLS.contains(baseName(tokens.getFirst()))) {
            return Optional.empty();
        }
        boolean dashC = false;
        int i = 1;
        for (; i < tokens.size() && tokens.get(i).startsWith("-"); i++) {
            String option = tokens.get(i);
            if (!option.startsWith("--") && option.indexOf('c') > 0) {
                dashC = true;
            }
        }
        if (!dashC) {
            return Optional.empty();
        }
        if (i < tokens.size()) {
            return Optional.of(String.join(" ", tokens.subList(i, tokens.size())));
        }
        return Optional.of(command.map(cmd -> String.join(" ", cmd)).orElse(""));
    }

    private static String baseName(String program) {
        return program.substring(program.lastIndexOf('/') + 1);
    }
}
