package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static CommandLine.Options parse(Map<String, String> env, String... args) throws Exception {
        return CommandLine.parse(args, env);
    }

    private static String usageError(String... args) {
        return assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse(args, Map.of())).getMessage();
    }

    @Test
    void defaultsAreLiveKitsAndTheDevelopmentKey() throws Exception {
        CommandLine.Options options = parse(Map.of());
        assertEquals("127.0.0.1", options.host());
        assertEquals(7880, options.port());
        assertEquals(List.of("devkey"), options.keys().keys());
        assertTrue(options.keysFromDefault());
        assertEquals(Duration.ofSeconds(10), options.offerTimeout());
        assertEquals(Duration.ofSeconds(10), options.registerTimeout());
    }

    @Test
    void flagsTakeSeparateOrInlineValues() throws Exception {
        CommandLine.Options options = parse(Map.of(),
                "--host", "0.0.0.0", "--port=0", "--keys", "k1:s1,k2:s2", "--offer-timeout=500ms", "--register-timeout", "2m");
        assertEquals("0.0.0.0", options.host());
        assertEquals(0, options.port());
        assertEquals(List.of("k1", "k2"), options.keys().keys());
        assertEquals("s2", options.keys().secretFor("k2").orElseThrow());
        assertFalse(options.keysFromDefault());
        assertEquals(Duration.ofMillis(500), options.offerTimeout());
        assertEquals(Duration.ofMinutes(2), options.registerTimeout());
    }

    @Test
    void livekitKeysFromTheEnvironmentAreTheFallback() throws Exception {
        assertEquals(List.of("envkey"), parse(Map.of("LIVEKIT_KEYS", "envkey:envsecret")).keys().keys());
        assertEquals(List.of("flag"), parse(Map.of("LIVEKIT_KEYS", "envkey:envsecret"), "--keys", "flag:s").keys().keys());
    }

    @Test
    void badFlagsAreNamedInTheMessage() {
        assertEquals("unknown option '--prot'", usageError("--prot", "1"));
        assertTrue(usageError("--port", "http").startsWith("--port: expected a number"));
        assertTrue(usageError("--port", "70000").startsWith("--port:"));
        assertTrue(usageError("--offer-timeout", "10").startsWith("--offer-timeout: expected a duration"));
        assertTrue(usageError("--offer-timeout", "0s").startsWith("--offer-timeout: must be greater"));
        assertEquals("--host needs a value", usageError("--host"));
    }

    @Test
    void malformedKeysAreReportedWithoutTheirSecrets() {
        String message = usageError("--keys", "good:topsecret,broken");
        assertTrue(message.startsWith("--keys: entry 2"), message);
        assertFalse(message.contains("topsecret"));
        assertTrue(usageError("--keys", "a:x,a:y").contains("'a' is given twice"));
        String env = assertThrows(CommandLine.UsageException.class,
                () -> CommandLine.parse(new String[0], Map.of("LIVEKIT_KEYS", "nocolon"))).getMessage();
        assertTrue(env.startsWith("LIVEKIT_KEYS:"), env);
    }

    @Test
    void mainExitsWithTwoAndAClearMessageOnABadFlag() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DevServerMain.run(new String[] {"--port", "x"}, Map.of(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("devserver: --port: expected a number"));
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = DevServerMain.run(new String[] {"--help"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, status);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--offer-timeout"));
    }
}
