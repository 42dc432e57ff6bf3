package dev.holdline.devserver.testing;

import static org.awaitility.Awaitility.await;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/** Waits for, and looks up, events in a server's event log. */
public final class Events {
    private static final Duration POLL = Duration.ofMillis(10);

    private Events() {}

    /** Waits until an event of this type matching the predicate has happened, and returns it. */
    public static <T extends AgentEvent> T awaitEvent(DevServer server, Class<T> type, Predicate<T> match) {
        AtomicReference<T> found = new AtomicReference<>();
        await().alias("waiting for " + type.getSimpleName())
                .atMost(TestWorker.WAIT)
                .pollInterval(POLL)
                .pollDelay(Duration.ZERO)
                .until(() -> {
                    Optional<T> event = find(server, type, match);
                    event.ifPresent(found::set);
                    return event.isPresent();
                });
        return found.get();
    }

    public static <T extends AgentEvent> T awaitEvent(DevServer server, Class<T> type) {
        return awaitEvent(server, type, event -> true);
    }

    public static <T extends AgentEvent> Optional<T> find(DevServer server, Class<T> type, Predicate<T> match) {
        return all(server, type).stream().filter(match).findFirst();
    }

    public static <T extends AgentEvent> List<T> all(DevServer server, Class<T> type) {
        return server.events().stream().filter(type::isInstance).map(type::cast).toList();
    }
}
