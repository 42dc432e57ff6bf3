package dev.holdline.worker;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves worker, HTTP-client or dev-server threads running after its cleanup.
 * Threads get a few seconds to finish stopping; a thread still there after that is a leak.
 */
public final class NoLeakedThreads implements AfterEachCallback {
    private static final Pattern OURS = Pattern.compile("^(holdline-|HttpClient-|devserver-|session-|audio-out-|room-|caller-).*");

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> leaked().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("threads left running after " + context.getDisplayName() + ": " + leaked());
        }
    }

    static List<String> leaked() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> OURS.matcher(n).matches())
                .sorted().toList();
    }
}
