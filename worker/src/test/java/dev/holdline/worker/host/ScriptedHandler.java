package dev.holdline.worker.host;

import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.Session;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler for session-host tests, driven by the dispatch metadata, so that one class (which a
 * host constructs by name) covers every case:
 * {@code hold} waits until asked to end; {@code seconds:N} ends by itself after N s (or when asked);
 * {@code quick} returns at once; {@code halt} halts its JVM with 134, as a native abort would;
 * {@code stuck} ignores being asked to end and every interrupt.
 */
public class ScriptedHandler implements AgentHandler {
    private static final Logger log = LoggerFactory.getLogger(ScriptedHandler.class);

    public ScriptedHandler() {
    }

    @Override
    public void run(Session session) throws Exception {
        String script = session.metadata();
        log.info("Scripted handler running '{}' in pid {}", script, ProcessHandle.current().pid());
        if (script.equals("quick")) {
            return;
        }
        if (script.equals("halt")) {
            Runtime.getRuntime().halt(134);
        }
        if (script.startsWith("seconds:")) {
            session.awaitEnd(Duration.ofSeconds(Long.parseLong(script.substring("seconds:".length()))));
            return;
        }
        if (script.equals("stuck")) {
            while (true) {
                try {
                    Thread.sleep(Duration.ofDays(1));
                } catch (InterruptedException ignored) {
                    // a stuck handler ignores this too
                }
            }
        }
        session.awaitEnd();
    }
}
