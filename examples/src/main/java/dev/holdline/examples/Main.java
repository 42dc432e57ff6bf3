package dev.holdline.examples;

import dev.holdline.devserver.DevServer;
import dev.holdline.worker.cli.EmbeddedServer;
import dev.holdline.worker.cli.WorkerCli;

/**
 * {@code java -jar holdline-examples.jar start --agent hold} (production defaults) or
 * {@code dev --agent hold} (embedded dev server on :7880 when LIVEKIT_URL is unset), or
 * {@code demo [jobs]}: the self-checking local run the README's main job uses.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("demo")) {
            System.exit(Demo.run(args.length > 1 ? Integer.parseInt(args[1]) : 10, 1.0));
        }
        int code = WorkerCli.builder()
                .agent("hold", HoldAgent::new)
                .embeddedServer(Main::startDevServer)
                .build()
                .run(args);
        System.exit(code);
    }

    private static EmbeddedServer.Started startDevServer() {
        DevServer server = DevServer.builder().port(7880).key("devkey", "secret").build().start();
        return new EmbeddedServer.Started(server.httpUrl(), "devkey", "secret", server);
    }
}
