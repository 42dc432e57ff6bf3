package dev.holdline.worker.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hosts' class-data archive, made by a real trainer JVM from this test's class path (which
 * has directories in it, so they are packed into JARs first), then mapped by a real JVM.
 */
class HostClassDataTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String CLASS_PATH = System.getProperty("java.class.path");

    @TempDir
    Path tmp;

    @Test
    void aTrainedArchiveIsMappedByTheNextHostJvm() throws Exception {
        Path dir = tmp.resolve("cds");
        HostClassData data = HostClassData.in(dir, JAVA, CLASS_PATH, ScriptedHandler.class.getName()).orElseThrow();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), "created private");
        assertTrue(data.launch().isEmpty(), "no archive before training");

        List<String> host = List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-cp", CLASS_PATH, HostMain.class.getName());
        try {
            data.trainIfMissing(host, List.of("--handler", ScriptedHandler.class.getName(), "--grace-ms", "1000"));
            await().atMost(Duration.ofSeconds(90)).until(() -> data.launch().isPresent());
        } finally {
            data.close();
        }
        HostClassData.Launch launch = data.launch().orElseThrow();
        for (String entry : launch.classPath().split(File.pathSeparator)) {
            assertFalse(Files.isDirectory(Path.of(entry)), "every directory was packed: " + entry);
        }
        assertTrue(Arrays.stream(CLASS_PATH.split(File.pathSeparator)).anyMatch(e -> Files.isDirectory(Path.of(e))),
                "this test's class path has directories, so packing was exercised");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp") || f.toString().endsWith(".lock")),
                    "no partial file or lock left behind");
        }

        // -Xshare:on fails the JVM if the archive cannot be mapped; the log says where classes came from.
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xshare:on", "-Xlog:class+load=info"));
        cmd.addAll(launch.jvmOptions());
        cmd.addAll(List.of("-cp", launch.classPath(), HostMain.class.getName(), "--bad-arguments"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(HostMain.CANNOT_START, p.exitValue(), out);
        assertTrue(out.contains("dev.holdline.worker.host.HostMain source: shared objects file (top)"),
                "HostMain came from the archive:\n" + tail(out));
    }

    @Test
    void aClassPathChangeMeansAnotherArchive() throws Exception {
        Path dir = tmp.resolve("cds");
        HostClassData a = HostClassData.in(dir, JAVA, CLASS_PATH, ScriptedHandler.class.getName()).orElseThrow();
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Files.writeString(classes.resolve("x.txt"), "one");
        String cp = CLASS_PATH + File.pathSeparator + classes;
        HostClassData b = HostClassData.in(dir, JAVA, cp, ScriptedHandler.class.getName()).orElseThrow();
        Files.writeString(classes.resolve("x.txt"), "two, longer");
        HostClassData c = HostClassData.in(dir, JAVA, cp, ScriptedHandler.class.getName()).orElseThrow();
        Path jar = Files.writeString(tmp.resolve("lib.jar"), "not really a jar; only its size and time count here");
        String withJar = CLASS_PATH + File.pathSeparator + jar;
        HostClassData d = HostClassData.in(dir, JAVA, withJar, ScriptedHandler.class.getName()).orElseThrow();
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        HostClassData e = HostClassData.in(dir, JAVA, withJar, ScriptedHandler.class.getName()).orElseThrow();
        assertFalse(a.archiveName().equals(b.archiveName()), "another class path");
        assertFalse(b.archiveName().equals(c.archiveName()), "a rebuilt class directory");
        assertFalse(d.archiveName().equals(e.archiveName()), "a rebuilt JAR (the JVM would refuse the old archive)");
        assertFalse(a.archiveName().equals(HostClassData.in(dir, JAVA, List.of("-XX:+UseSerialGC"), CLASS_PATH,
                ScriptedHandler.class.getName()).orElseThrow().archiveName()), "other host JVM options");
        assertEquals(a.archiveName(), HostClassData.in(dir, JAVA, CLASS_PATH, ScriptedHandler.class.getName())
                .orElseThrow().archiveName(), "the same inputs, the same archive");
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(HostClassData.in(dir, JAVA, CLASS_PATH, ScriptedHandler.class.getName()).isEmpty(),
                "whoever can write the archive decides what the hosts run");
    }

    private static String tail(String s) {
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }
}
