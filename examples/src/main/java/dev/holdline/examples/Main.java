package dev.holdline.examples;

import dev.holdline.devserver.DevServer;
import dev.holdline.worker.cli.EmbeddedServer;
import dev.holdline.worker.cli.WorkerCli;

/**
 * {@code java -jar holdline-examples.jar start --agent hold|echo|tone} (production defaults) or
 * {@code dev --agent hold} (embedded dev server on :7880 when LIVEKIT_URL is unset), or
 * {@code demo [jobs]}: the self-checking local run the README's main job uses.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("demo")) {
            System.exit(demo(args));
        }
        int code = WorkerCli.builder()
                .agent("hold", HoldAgent::new)
                .agent("echo", EchoAgent::new)
                .agent("tone", ToneAgent::new)
                .embeddedServer(Main::startDevServer)
                .build()
                .run(args);
        System.exit(code);
    }

    private static int demo(String[] args) throws Exception {
        int jobs = 10;
        if (args.length > 1) {
            try {
                jobs = Integer.parseInt(args[1]);
            } catch (NumberFormatException e) {
                jobs = -1;
            }
            if (jobs < 1 || jobs > 1000) {
                System.err.println("demo takes the number of jobs, 1 to 1000; got '" + args[1] + "'");
                return 2;
            }
        }
        return Demo.run(jobs, 1.0);
    }

    private static EmbeddedServer.Started startDevServer(int port) {
        DevServer server = DevServer.builder().port(port).key("devkey", "secret").build().start();
        return new EmbeddedServer.Started(server.httpUrl(), "devkey", "secret", server);
    }
}
