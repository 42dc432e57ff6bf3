package dev.holdline.loadtest;

import dev.holdline.devserver.DevServer;
import dev.holdline.worker.Worker;
import dev.holdline.worker.handler.AgentHandler;
import java.time.Duration;
import java.util.Map;

/** What the call tests share: the dev server's key pair and a worker pointed at it. */
final class Calls {
    static final String KEY = "devkey";
    static final String SECRET = "test-secret-0123456789abcdef";

    private Calls() {
    }

    static DevServer.Builder server() {
        return DevServer.builder().port(0).key(KEY, SECRET);
    }

    /** A worker for {@code agent} on {@code server}, no load threshold, health on a free port. */
    static Worker.Builder worker(DevServer server, String agent, AgentHandler handler) {
        return Worker.builder().env(Map.of())
                .url(server.httpUrl()).apiKey(KEY).apiSecret(SECRET)
                .agentName(agent).handler(handler)
                .healthHost("127.0.0.1").healthPort(0)
                .loadThreshold(Double.POSITIVE_INFINITY);
    }

    /** Starts {@code worker} and waits until it is registered. */
    static Worker registered(Worker worker) throws Exception {
        worker.start();
        if (!worker.awaitRegistered(Duration.ofSeconds(10))) {
            worker.close();
            throw new AssertionError("worker did not register within 10 s");
        }
        return worker;
    }
}
