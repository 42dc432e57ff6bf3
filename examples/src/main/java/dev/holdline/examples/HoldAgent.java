package dev.holdline.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.DrainListener;
import dev.holdline.worker.handler.Session;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps its session open until it is terminated, or until the dispatch metadata's
 * {@code seconds} have passed ({@code {"seconds": 30}}). Metadata it cannot read is logged and
 * the session holds until terminated. A drain does not shorten the hold: the call finishes, or
 * the worker ends it at its profile's deadline.
 */
public final class HoldAgent implements AgentHandler {
    private static final Logger log = LoggerFactory.getLogger(HoldAgent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run(Session session) throws InterruptedException {
        session.addDrainListener(new DrainListener() {
            @Override
            public void onDraining(Instant deadline) {
                log.info("Job {} draining: holding on until it is done or {}", session.job().id(), deadline);
            }

            @Override
            public void onWrapUp(Instant deadline) {
                log.info("Job {} wrap-up notice: deadline {}", session.job().id(), deadline);
            }
        });
        Optional<Duration> hold = holdTime(session.metadata());
        if (hold.isPresent()) {
            boolean ended = session.awaitEnd(hold.get());
            log.info("Job {} {}", session.job().id(), ended ? "ended early: " + session.endReason().orElseThrow()
                    : "held for " + hold.get().toMillis() + " ms");
        } else {
            session.awaitEnd();
            log.info("Job {} ended: {}", session.job().id(), session.endReason().orElseThrow());
        }
    }

    /** The {@code seconds} in the metadata, if the metadata says so clearly. */
    static Optional<Duration> holdTime(String metadata) {
        if (metadata == null || metadata.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode seconds = JSON.readTree(metadata).path("seconds");
            if (seconds.isMissingNode()) {
                return Optional.empty();
            }
            if (!seconds.isNumber() || seconds.asDouble() < 0) {
                log.warn("Dispatch metadata 'seconds' must be a number >= 0, was {}; holding until terminated", seconds);
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis(Math.round(seconds.asDouble() * 1000)));
        } catch (Exception e) {
            log.warn("Dispatch metadata is not JSON ({}); holding until terminated", e.getMessage());
            return Optional.empty();
        }
    }
}
