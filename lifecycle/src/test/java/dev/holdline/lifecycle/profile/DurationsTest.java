package dev.holdline.lifecycle.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({
            "900s, 900000",
            "15m, 900000",
            "1h, 3600000",
            "250ms, 250",
            "1m30s, 90000",
            "1h2m3s4ms, 3723004",
            "900, 900000",
            "0, 0",
            "0s, 0",
            "PT15M, 900000",
            "pt1m30s, 90000",
            "'  45s  ', 45000",
    })
    void acceptsEveryDocumentedForm(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text, "drain_timeout"));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"fifteen", "", "  ", "1.5s", "15M", "15 m", "30s1m", "1m1m", "1h30", "s", "ms",
            "P", "PT", "99999999999999999999", "9223372036854775807h", "1d"})
    void refusesWhatIsNotADuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse(text, "profile 'support': drain_timeout"));
        assertEquals("profile 'support': drain_timeout '" + text.strip() + "' is not a duration (use 900s, 15m or PT15M)",
                e.getMessage());
    }

    @Test
    void theMessageNamesTheSettingAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("fifteen", "profile 'support': drain_timeout"));
        assertEquals("profile 'support': drain_timeout 'fifteen' is not a duration (use 900s, 15m or PT15M)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5s", "-1", "PT-5S", "-PT5S"})
    void refusesNegativeDurations(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text, "safety_margin"));
        assertEquals("safety_margin '" + text + "' is negative (use 0s or more)", e.getMessage());
    }

    @Test
    void nullIsNotADuration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(null, "stop_timeout"));
        assertEquals("stop_timeout '' is not a duration (use 900s, 15m or PT15M)", e.getMessage());
    }

    @Test
    void formatsWholeSecondsAsSecondsAndTheRestAsMilliseconds() {
        assertEquals("915s", Durations.format(Duration.ofSeconds(915)));
        assertEquals("3600s", Durations.format(Duration.ofHours(1)));
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("PT0.000001S", Durations.format(Duration.ofNanos(1000)));
    }

    @Test
    void formatThenParseGivesTheSameDuration() {
        for (Duration d : new Duration[] {Duration.ofSeconds(915), Duration.ofMillis(1500), Duration.ZERO}) {
            assertEquals(d, Durations.parse(Durations.format(d), "x"));
        }
    }
}
