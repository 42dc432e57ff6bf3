package dev.holdline.worker.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AgentUrlsTest {
    @Test
    void httpBecomesWsAndAgentIsAppendedToThePath() {
        assertEquals("ws://127.0.0.1:7880/agent", AgentUrls.agentEndpoint("http://127.0.0.1:7880").toString());
        assertEquals("wss://lk.example.com/agent", AgentUrls.agentEndpoint("https://lk.example.com/").toString());
        assertEquals("wss://lk.example.com/base/agent", AgentUrls.agentEndpoint("wss://lk.example.com/base").toString());
        assertEquals("ws://h:1/agent", AgentUrls.agentEndpoint("ws://h:1").toString());
    }

    @Test
    void otherSchemesAreRefusedWithTheUrlInTheMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> AgentUrls.agentEndpoint("ftp://h"));
        assertEquals("LiveKit URL 'ftp://h' must start with ws://, wss://, http:// or https://", e.getMessage());
    }
}
