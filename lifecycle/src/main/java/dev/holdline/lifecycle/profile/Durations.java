package dev.holdline.lifecycle.profile;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the durations operators type into profile files and environment variables.
 *
 * <p>Accepted forms, so that a value copied from a task definition, a runbook or a Go/Kubernetes
 * config works as it is:
 * <ul>
 *   <li>plain whole seconds: {@code 900} (ECS's {@code stopTimeout} is given that way);</li>
 *   <li>units, largest first, each at most once: {@code 1h}, {@code 15m}, {@code 900s},
 *       {@code 250ms}, {@code 1m30s}, {@code 1h2m3s500ms};</li>
 *   <li>ISO-8601 as {@link Duration#parse} reads it: {@code PT15M}, {@code PT1M30S}.</li>
 * </ul>
 * Units are lower case only ({@code 15M} could mean months); no fractions, no spaces. Negative
 * values are refused: every duration here counts forward from a drain's start.
 *
 * <p>{@link #format} writes whole seconds ({@code 915s}) so that numbers in log lines and error
 * messages compare at a glance with ECS's {@code stopTimeout}, which is in seconds too.
 */
public final class Durations {
    /** What every "not a duration" message suggests instead. */
    static final String EXAMPLES = "use 900s, 15m or PT15M";

    private static final Pattern WHOLE_SECONDS = Pattern.compile("[0-9]+");
    private static final Pattern UNITS = Pattern.compile("([0-9]+)(ms|h|m|s)");
    /** Units in the only order they may appear. */
    private static final String[] UNIT_ORDER = {"h", "m", "s", "ms"};

    private Durations() {
    }

    /**
     * Parses {@code text} (surrounding blanks ignored).
     *
     * @param setting what the value is for, as the operator would recognise it, e.g.
     *                {@code "profile 'support': drain_timeout"}; it starts every error message
     * @throws IllegalArgumentException naming the setting and the value, e.g.
     *         {@code profile 'support': drain_timeout 'fifteen' is not a duration (use 900s, 15m or PT15M)}
     *         or {@code safety_margin '-5s' is negative (use 0s or more)}
     */
    public static Duration parse(String text, String setting) {
        if (text == null) {
            throw notADuration("", setting);
        }
        String value = text.strip();
        boolean negative = value.startsWith("-");
        Duration parsed = parseMagnitude(negative ? value.substring(1) : value);
        if (parsed == null) {
            throw notADuration(value, setting);
        }
        if (negative || parsed.isNegative()) {
            throw new IllegalArgumentException(setting + " '" + value + "' is negative (use 0s or more)");
        }
        return parsed;
    }

    /**
     * Writes {@code duration} compactly: whole seconds as {@code 915s}, otherwise whole
     * milliseconds as {@code 1500ms}; anything finer (which no parsed value has) in ISO-8601.
     */
    public static String format(Duration duration) {
        if (duration.getNano() == 0) {
            return duration.getSeconds() + "s";
        }
        if (duration.getNano() % 1_000_000 == 0) {
            return duration.toMillis() + "ms";
        }
        return duration.toString();
    }

    /** The value without a sign, or null when it is in none of the accepted forms. */
    private static Duration parseMagnitude(String value) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            if (WHOLE_SECONDS.matcher(value).matches()) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            if (value.charAt(0) == 'P' || value.charAt(0) == 'p') {
                return Duration.parse(value);
            }
            return parseUnits(value);
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return null; // too large, or not ISO-8601 after all
        }
    }

    private static Duration parseUnits(String value) {
        Matcher m = UNITS.matcher(value);
        Duration total = Duration.ZERO;
        int position = 0;
        int nextUnit = 0;
        while (position < value.length()) {
            if (!m.find(position) || m.start() != position) {
                return null;
            }
            int unit = unitIndex(m.group(2), nextUnit);
            if (unit < 0) {
                return null; // out of order or repeated, e.g. 30s1m
            }
            long amount = Long.parseLong(m.group(1));
            total = total.plus(switch (UNIT_ORDER[unit]) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
            });
            nextUnit = unit + 1;
            position = m.end();
        }
        return total;
    }

    private static int unitIndex(String unit, int from) {
        for (int i = from; i < UNIT_ORDER.length; i++) {
            if (UNIT_ORDER[i].equals(unit)) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException notADuration(String value, String setting) {
        return new IllegalArgumentException(setting + " '" + value + "' is not a duration (" + EXAMPLES + ")");
    }
}
