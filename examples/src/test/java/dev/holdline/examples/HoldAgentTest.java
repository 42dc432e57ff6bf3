package dev.holdline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HoldAgentTest {
    @Test
    void secondsComeFromTheDispatchMetadata() {
        assertEquals(Optional.of(Duration.ofMillis(1500)), HoldAgent.holdTime("{\"seconds\": 1.5}"));
        assertEquals(Optional.of(Duration.ZERO), HoldAgent.holdTime("{\"seconds\": 0}"));
    }

    @Test
    void unreadableMetadataHoldsUntilTerminated() {
        assertEquals(Optional.empty(), HoldAgent.holdTime(""));
        assertEquals(Optional.empty(), HoldAgent.holdTime("not json"));
        assertEquals(Optional.empty(), HoldAgent.holdTime("{\"seconds\": \"ten\"}"));
        assertEquals(Optional.empty(), HoldAgent.holdTime("{\"seconds\": -4}"));
        assertEquals(Optional.empty(), HoldAgent.holdTime("{\"other\": 1}"));
    }
}
