package dev.holdline.devserver.testing;

import static org.awaitility.Awaitility.await;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.rtc.RoomView;
import dev.holdline.devserver.rtc.RtcEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base for room-side tests: a fresh dev server per test (ephemeral port, a test key pair) and
 * signal-only clients that are closed after it.
 */
public abstract class RtcTestSupport {
    protected static final String KEY = "devkey";
    protected static final String SECRET = "rtc-test-secret-0123456789";

    protected DevServer server;
    private final List<TestRtcClient> clients = new ArrayList<>();

    /** Override to change the server. */
    protected DevServer.Builder configure(DevServer.Builder builder) {
        return builder;
    }

    @BeforeEach
    void startServer() {
        server = configure(DevServer.builder().port(0).key(KEY, SECRET)).build().start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        clients.forEach(TestRtcClient::close);
    }

    /** Joins {@code room} as {@code identity} with a token minted by the server. */
    protected TestRtcClient join(String room, String identity) {
        return track(TestRtcClient.join(server.wsUrl(), server.participantToken(room, identity)));
    }

    protected TestRtcClient track(TestRtcClient client) {
        clients.add(client);
        return client;
    }

    protected List<String> identitiesIn(String room) {
        return server.room(room).map(RoomView::identities).orElse(List.of());
    }

    protected <T extends RtcEvent> T awaitRtcEvent(Class<T> type, Predicate<T> match) {
        AtomicReference<T> found = new AtomicReference<>();
        await().alias("waiting for " + type.getSimpleName())
                .atMost(TestRtcClient.WAIT)
                .pollInterval(Duration.ofMillis(10))
                .pollDelay(Duration.ZERO)
                .until(() -> {
                    Optional<T> event = findRtcEvent(type, match);
                    event.ifPresent(found::set);
                    return event.isPresent();
                });
        return found.get();
    }

    protected <T extends RtcEvent> Optional<T> findRtcEvent(Class<T> type, Predicate<T> match) {
        return server.rtcEvents().stream().filter(type::isInstance).map(type::cast).filter(match).findFirst();
    }

    protected <T extends RtcEvent> List<T> rtcEvents(Class<T> type) {
        return server.rtcEvents().stream().filter(type::isInstance).map(type::cast).toList();
    }
}
