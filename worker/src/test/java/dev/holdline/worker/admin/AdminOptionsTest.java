package dev.holdline.worker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminOptionsTest {
    private static final String TOKEN = "0123456789abcdef0123";

    @Test
    void offUnlessAPortIsSetOnLoopbackByDefault() {
        AdminOptions o = AdminOptions.resolve(null, null, null, Map.of());
        assertFalse(o.enabled());
        assertEquals("127.0.0.1", o.host());
        assertEquals(Optional.empty(), o.token());
    }

    @Test
    void theEnvironmentFillsWhatTheBuilderLeftUnsetAndTheBuilderWins() {
        Map<String, String> env = Map.of("HOLDLINE_ADMIN_PORT", "8082", "HOLDLINE_ADMIN_HOST", "0.0.0.0",
                "HOLDLINE_ADMIN_TOKEN", TOKEN);
        AdminOptions fromEnv = AdminOptions.resolve(null, null, null, env);
        assertEquals(8082, fromEnv.port());
        assertEquals("0.0.0.0", fromEnv.host());
        assertEquals(Optional.of(TOKEN), fromEnv.token());
        AdminOptions fromBuilder = AdminOptions.resolve("localhost", 0, null, env);
        assertEquals("localhost", fromBuilder.host());
        assertEquals(0, fromBuilder.port());
    }

    @Test
    void loopbackNamesNeedNoTokenAndEveryOtherAddressDoes() {
        assertTrue(AdminOptions.resolve("localhost", 0, null, Map.of()).enabled());
        assertTrue(AdminOptions.resolve("::1", 0, null, Map.of()).enabled());
        for (String host : new String[] {"0.0.0.0", "::"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> AdminOptions.resolve(host, 0, null, Map.of()));
            assertTrue(e.getMessage().contains("beyond localhost, without a token"), e.getMessage());
        }
        assertFalse(AdminOptions.resolve("0.0.0.0", -1, null, Map.of()).enabled(), "off needs no token");
    }

    @Test
    void badValuesAreRefusedByNameWithoutShowingTheToken() {
        var port = assertThrows(IllegalArgumentException.class,
                () -> AdminOptions.resolve(null, null, null, Map.of("HOLDLINE_ADMIN_PORT", "eighty")));
        assertTrue(port.getMessage().startsWith("HOLDLINE_ADMIN_PORT must be a port number"), port.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdminOptions.resolve(null, 70000, null, Map.of()));
        var spaced = assertThrows(IllegalArgumentException.class,
                () -> AdminOptions.resolve(null, 0, "has a space in it 0123456789", Map.of()));
        assertFalse(spaced.getMessage().contains("has a space"), spaced.getMessage());
        assertFalse(AdminOptions.resolve(null, 0, TOKEN, Map.of()).toString().contains(TOKEN));
    }
}
