package dev.holdline.worker;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.holdline.devserver.DevServer;
import dev.holdline.worker.handler.AgentHandler;
import io.livekit.server.AgentDispatchServiceClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import livekit.LivekitAgentDispatch.AgentDispatch;
import org.slf4j.LoggerFactory;

/** A dev server and the workers a test starts against it; closes them all. */
final class Fixture implements AutoCloseable {
    static final String KEY = "devkey";
    static final String SECRET = "test-secret-0123456789abcdef";

    final DevServer server;
    private final List<Worker> workers = new ArrayList<>();
    private final List<ListAppender<ILoggingEvent>> appenders = new ArrayList<>();

    Fixture() {
        this(DevServer.builder().port(0).key(KEY, SECRET).build().start());
    }

    Fixture(DevServer server) {
        this.server = server;
    }

    /** A builder with test-friendly timing, pointed at the dev server. */
    Worker.Builder worker(String agentName, AgentHandler handler) {
        return Worker.builder()
                .env(Map.of())
                .url(server.httpUrl()).apiKey(KEY).apiSecret(SECRET)
                .agentName(agentName).handler(handler)
                .healthHost("127.0.0.1").healthPort(0)
                .statusInterval(Duration.ofMillis(200))
                .loadThreshold(Double.POSITIVE_INFINITY)
                .reconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
                .terminationGrace(Duration.ofSeconds(2));
    }

    /** Builds, starts and waits for registration. */
    Worker start(Worker.Builder builder) throws IOException, InterruptedException {
        Worker w = builder.build();
        workers.add(w);
        w.start();
        if (!w.awaitRegistered(Duration.ofSeconds(10))) {
            throw new AssertionError("worker did not register within 10 s");
        }
        return w;
    }

    Worker startUnregistered(Worker.Builder builder) throws IOException {
        Worker w = builder.build();
        workers.add(w);
        return w.start();
    }

    AgentDispatchServiceClient dispatchClient() {
        return AgentDispatchServiceClient.createClient(server.httpUrl(), KEY, SECRET);
    }

    AgentDispatch dispatch(String room, String agentName, String metadata) throws IOException {
        var response = dispatchClient().createDispatch(room, agentName, metadata).execute();
        if (!response.isSuccessful()) {
            throw new IOException("CreateDispatch failed: HTTP " + response.code());
        }
        return response.body();
    }

    /** Captures what {@code loggerName} logs from now until close. */
    ListAppender<ILoggingEvent> captureLogs(String loggerName) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setName("capture-" + loggerName);
        appender.start();
        ((Logger) LoggerFactory.getLogger(loggerName)).addAppender(appender);
        appenders.add(appender);
        return appender;
    }

    static List<String> messages(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.close();
        }
        server.close();
        for (ListAppender<ILoggingEvent> a : appenders) {
            ((Logger) LoggerFactory.getLogger(a.getName().substring("capture-".length()))).detachAppender(a);
        }
    }
}
