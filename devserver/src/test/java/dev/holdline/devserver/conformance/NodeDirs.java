package dev.holdline.devserver.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the Node conformance scripts and their node_modules live. */
final class NodeDirs {
    private NodeDirs() {}

    /** {@code src/test/node} of the devserver module, whether Maven runs from the module or the root. */
    static Path locate() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        for (Path candidate : List.of(base.resolve("src/test/node"), base.resolve("devserver/src/test/node"))) {
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        return base.resolve("src/test/node").toAbsolutePath().normalize();
    }
}
