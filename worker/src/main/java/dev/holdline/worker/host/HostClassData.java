package dev.holdline.worker.host;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data archive (AppCDS) for session hosts, so that a new host attaches in well under a
 * second instead of the 2-3 s a JVM takes to load the ~4,800 classes a host needs (logging, gRPC,
 * Netty, the HTTP client). That start time is how long a call waits after a host crash or when the
 * warm host is taken, so it is worth a file on disk.
 *
 * <p>The archive is made once per JDK, class path and handler: the first supervisor that finds it
 * missing runs one trainer JVM in the background ({@code HostMain --train} under
 * {@code -XX:ArchiveClassesAtExit}), which goes through a host's start and exit against a loopback
 * supervisor of its own and writes the archive as it exits. Hosts started after that map it.
 * Until then, or if training fails, hosts start as before: the archive only ever makes a start
 * faster. A stale or foreign archive is refused by the JVM itself, and {@code -Xlog:cds=off} keeps
 * that quiet.
 *
 * <p>The JVM archives classes from JAR files only, so a class path with directories in it (an IDE,
 * a test run) is given to the hosts as JARs packed from those directories, each named by a
 * fingerprint of its files (path, size, modification time): a rebuilt directory gets a new JAR and
 * a new archive. Hosts use that class path only together with the archive made from it.
 *
 * <p>The directory must be private (owned by us, no group or other write): whoever can write the
 * archive decides what code the hosts run.
 */
final class HostClassData implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostClassData.class);
    /** A lock older than this is from a trainer that died; it is taken over. */
    private static final Duration STALE_LOCK = Duration.ofMinutes(2);
    /** A trainer still running after this is killed (it normally takes 2-4 s). */
    private static final Duration TRAIN_LIMIT = Duration.ofSeconds(90);

    /** Directories with more files than this are not packed (no archive then). */
    private static final int MAX_PACKED_FILES = 50_000;

    /** How a host starts with the archive: this class path and these JVM options. */
    record Launch(String classPath, List<String> jvmOptions) {
    }

    private final Path archive;
    private final Path lock;
    /** The hosts' class path with every directory replaced by its JAR; what the archive is made from. */
    private final String classPath;
    /** The JAR of each class directory on the class path, by that directory. */
    private final Map<Path, Path> packs;
    private volatile Process trainer;
    private volatile boolean closed;

    private HostClassData(Path archive, String classPath, Map<Path, Path> packs) {
        this.archive = archive;
        this.lock = archive.resolveSibling(archive.getFileName() + ".lock");
        this.classPath = classPath;
        this.packs = packs;
    }

    /**
     * The archive for hosts started with {@code java} and {@code classPath} running
     * {@code handlerClass}, in {@code dir}; empty (no archive) when the directory cannot be made
     * private, which is logged.
     */
    static Optional<HostClassData> in(Path dir, String java, String classPath, String handlerClass) {
        return in(dir, java, List.of(), classPath, handlerClass);
    }

    /** As above, for hosts started with {@code jvmOptions} (a GC or heap setting can make the JVM refuse an archive). */
    static Optional<HostClassData> in(Path dir, String java, List<String> jvmOptions, String classPath, String handlerClass) {
        try {
            ensurePrivate(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("Session hosts start without a class-data archive: {}", e.getMessage());
            return Optional.empty();
        }
        Map<Path, Path> packs = new LinkedHashMap<>();
        List<String> entries = new ArrayList<>();
        // The JVM refuses an archive whose JARs changed since (a rebuild); so must its name.
        StringBuilder jars = new StringBuilder();
        try {
            for (String entry : classPath.split(File.pathSeparator)) {
                Path p = Path.of(entry);
                if (entry.isEmpty() || !Files.isDirectory(p)) {
                    entries.add(entry);
                    if (!entry.isEmpty() && Files.isRegularFile(p)) {
                        jars.append(entry).append(' ').append(Files.size(p)).append(' ')
                                .append(Files.getLastModifiedTime(p).toMillis()).append('\n');
                    }
                    continue;
                }
                Path jar = dir.resolve("classes-" + fingerprint(p).substring(0, 16) + ".jar");
                packs.put(p, jar);
                entries.add(jar.toString());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Session hosts start without a class-data archive: {}", e.getMessage());
            return Optional.empty();
        }
        String packed = String.join(File.pathSeparator, entries);
        String identity = String.join("\n", java, System.getProperty("java.vm.version"), String.join(" ", jvmOptions),
                packed, jars, handlerClass);
        return Optional.of(new HostClassData(dir.resolve("host-" + sha256(identity).substring(0, 16) + ".jsa"), packed, packs));
    }

    /** Of a class directory: its files' paths, sizes and modification times. */
    private static String fingerprint(Path root) throws IOException {
        StringBuilder all = new StringBuilder(root.toAbsolutePath().toString()).append('\n');
        try (var files = Files.walk(root)) {
            List<Path> list = files.filter(Files::isRegularFile).sorted().limit(MAX_PACKED_FILES + 1L).toList();
            if (list.size() > MAX_PACKED_FILES) {
                throw new IOException(root + " holds more than " + MAX_PACKED_FILES + " files; not packed for the archive");
            }
            for (Path f : list) {
                all.append(root.relativize(f)).append(' ').append(Files.size(f)).append(' ')
                        .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            }
        }
        return sha256(all.toString());
    }

    /** Packs a class directory into a JAR (written aside, then moved into place). */
    private static void pack(Path root, Path jar) throws IOException {
        Path partial = jar.resolveSibling(jar.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (var out = new JarOutputStream(Files.newOutputStream(partial)); var files = Files.walk(root)) {
            for (Path f : files.sorted().toList()) {
                if (f.equals(root)) {
                    continue;
                }
                String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                if (Files.isDirectory(f)) {
                    out.putNextEntry(new JarEntry(name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(f, out);
                }
                out.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        moveIntoPlace(partial, jar);
    }

    private static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The default directory: private to this user, under the temporary directory. */
    static Path defaultDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "holdline-cds-" + System.getProperty("user.name"));
    }

    /** The archive's file name (for tests: one per JDK, class path and handler). */
    String archiveName() {
        return archive.getFileName().toString();
    }

    /** How a host starts with the archive, once the archive (and the JARs it was made from) exist. */
    Optional<Launch> launch() {
        if (!Files.isRegularFile(archive) || !packs.values().stream().allMatch(Files::isRegularFile)) {
            return Optional.empty();
        }
        return Optional.of(new Launch(classPath, List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off")));
    }

    /**
     * Starts the trainer in the background unless the archive exists or another trainer runs.
     *
     * @param hostCommand a host's command line up to its main class's own arguments (without them)
     * @param hostArgs    the arguments a trainer needs ({@code --handler}, {@code --grace-ms})
     */
    synchronized void trainIfMissing(List<String> hostCommand, List<String> hostArgs) {
        if (closed || trainer != null || launch().isPresent() || !takeLock()) {
            return;
        }
        Path partial = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        // hostCommand is [java, options..., -cp, classpath, main]; the dump option goes before -cp.
        List<String> cmd = new ArrayList<>(hostCommand);
        int cp = cmd.indexOf("-cp");
        cmd.set(cp + 1, classPath);
        cmd.addAll(cp, List.of("-XX:ArchiveClassesAtExit=" + partial, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        cmd.add("--train");
        cmd.addAll(hostArgs);
        try {
            for (var e : packs.entrySet()) {
                if (!Files.isRegularFile(e.getValue())) {
                    pack(e.getKey(), e.getValue());
                }
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            trainer = p;
            long started = System.nanoTime();
            log.info("Session hosts: making a class-data archive in the background (pid {}), so that later hosts start faster",
                    p.pid());
            p.onExit().thenRun(() -> trained(p, partial, started));
            Thread.ofVirtual().name("holdline-cds-trainer-limit").start(() -> {
                try {
                    if (!p.waitFor(TRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        log.warn("Session hosts: the class-data trainer ran past {} s; killed it", TRAIN_LIMIT.toSeconds());
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            });
        } catch (IOException | RuntimeException e) {
            log.warn("Session hosts: could not start the class-data trainer: {}", e.toString());
            releaseLock();
        }
    }

    private void trained(Process p, Path partial, long startedNanos) {
        try {
            int status = p.exitValue();
            if (status == 0 && Files.size(partial) > 0) {
                moveIntoPlace(partial, archive);
                log.info("Session hosts: class-data archive ready ({} MB, {} ms): {}", Files.size(archive) / (1024 * 1024),
                        (System.nanoTime() - startedNanos) / 1_000_000, archive);
                removeOld();
            } else if (!closed) {
                log.warn("Session hosts: the class-data trainer exited with code {}; hosts start without an archive", status);
            }
        } catch (IOException e) {
            log.warn("Session hosts: the class-data archive was not written ({}); hosts start without it", e.toString());
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // a leftover partial file is harmless: nothing maps it
            }
            releaseLock();
        }
    }

    /**
     * Archives and JARs of other builds pile up (an archive is ~25 MB): those not written for a day
     * go. One still in use stays mapped by its hosts; the next supervisor needing it trains again.
     */
    private void removeOld() {
        Instant dayAgo = Instant.now().minus(Duration.ofDays(1));
        try (var files = Files.list(archive.getParent())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean ours = f.equals(archive) || packs.containsValue(f);
                if (!ours && (name.endsWith(".jsa") || name.endsWith(".jar") || name.endsWith(".tmp"))
                        && Files.getLastModifiedTime(f).toInstant().isBefore(dayAgo)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            log.debug("Session hosts: could not tidy {}: {}", archive.getParent(), e.toString());
        }
    }

    private boolean takeLock() {
        try {
            Files.writeString(lock, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            try {
                FileTime at = Files.getLastModifiedTime(lock);
                if (at.toInstant().isBefore(Instant.now().minus(STALE_LOCK))) {
                    Files.deleteIfExists(lock);
                    return takeLock();
                }
            } catch (IOException ignored) {
                // gone meanwhile: the other trainer finished
            }
            return false;
        } catch (IOException e) {
            log.debug("Session hosts: no class-data lock ({})", e.toString());
            return false;
        }
    }

    private void releaseLock() {
        try {
            Files.deleteIfExists(lock);
        } catch (IOException ignored) {
            // stale after two minutes anyway
        }
    }

    /** Stops a trainer still running (the archive is then made by a later supervisor). */
    @Override
    public synchronized void close() {
        closed = true;
        Process p = trainer;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    private static void ensurePrivate(Path dir) throws IOException {
        Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(owner));
        } catch (UnsupportedOperationException e) {
            throw new IOException("no POSIX file permissions here, so " + dir + " cannot be kept private");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory (a link?); remove it");
        }
        // /proc/self belongs to whoever this process runs as, name or no name (a container's uid).
        Path self = Path.of("/proc/self");
        String me = Files.exists(self) ? Files.getOwner(self).getName() : System.getProperty("user.name");
        String ownerName = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!ownerName.equals(me)) {
            throw new IOException(dir + " belongs to " + ownerName + ", not " + me + "; remove it or set another directory");
        }
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is writable by others; chmod 700 it or remove it");
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
