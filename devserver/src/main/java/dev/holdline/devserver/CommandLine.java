package dev.holdline.devserver;

import dev.holdline.devserver.auth.ApiKeys;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@link DevServerMain}'s flags. Accepts {@code --flag value} and {@code --flag=value}.
 * Every error message names the flag it is about and never repeats a secret.
 */
final class CommandLine {
    static final String KEYS_ENV = "LIVEKIT_KEYS";
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** Thrown for unusable arguments; the process exits with status 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param keysFromDefault true when neither {@code --keys} nor {@code LIVEKIT_KEYS} was given
     */
    record Options(
            boolean help,
            String host,
            int port,
            ApiKeys keys,
            boolean keysFromDefault,
            Duration offerTimeout,
            Duration registerTimeout) {}

    private CommandLine() {}

    static String usage() {
        return """
                Usage: java -jar holdline-devserver.jar [options]

                Runs a LiveKit-compatible dev server: agent dispatch (/agent), rooms with
                audio and data relayed between participants (/rtc), and the Twirp API.

                Options:
                  --host HOST                 address to listen on (default 127.0.0.1)
                  --port PORT                 port, 0 for any free one (default 7880)
                  --keys KEY:SECRET[,K:S]     accepted API key pairs; the first signs agent tokens
                                              (default: env LIVEKIT_KEYS, else the dev pair devkey:secret)
                  --offer-timeout DURATION    how long a worker may take to answer an offer (default 10s)
                  --register-timeout DURATION how long a new connection may take to register (default 10s)
                  --help                      show this help

                Durations: 500ms, 10s, 2m, 1h.
                """;
    }

    static Options parse(String[] args, Map<String, String> env) throws UsageException {
        String host = DevServer.DEFAULT_HOST;
        int port = DevServer.DEFAULT_PORT;
        String keysSpec = null;
        Duration offerTimeout = DevServer.DEFAULT_OFFER_TIMEOUT;
        Duration registerTimeout = DevServer.DEFAULT_REGISTER_TIMEOUT;

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new Options(true, host, port, null, false, offerTimeout, registerTimeout);
            }
            String flag = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            switch (flag) {
                case "--host", "--port", "--keys", "--offer-timeout", "--register-timeout" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException(flag + " needs a value");
                        }
                        value = args[++i];
                    }
                }
                default -> throw new UsageException("unknown option '" + flag + "'");
            }
            switch (flag) {
                case "--host" -> host = requireNonEmpty(flag, value);
                case "--port" -> port = parsePort(value);
                case "--keys" -> keysSpec = value;
                case "--offer-timeout" -> offerTimeout = parseDuration(flag, value);
                case "--register-timeout" -> registerTimeout = parseDuration(flag, value);
                default -> throw new AssertionError(flag);
            }
        }

        boolean keysFromDefault = false;
        ApiKeys keys;
        if (keysSpec != null) {
            keys = parseKeys("--keys", keysSpec);
        } else if (env.get(KEYS_ENV) != null && !env.get(KEYS_ENV).isBlank()) {
            keys = parseKeys(KEYS_ENV, env.get(KEYS_ENV));
        } else {
            keys = ApiKeys.development();
            keysFromDefault = true;
        }
        return new Options(false, host, port, keys, keysFromDefault, offerTimeout, registerTimeout);
    }

    private static String requireNonEmpty(String flag, String value) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException(flag + " must not be empty");
        }
        return value;
    }

    private static int parsePort(String value) throws UsageException {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new UsageException("--port: expected a number from 0 to 65535, got '" + value + "'");
    }

    static Duration parseDuration(String flag, String value) throws UsageException {
        Matcher matcher = DURATION.matcher(value.trim());
        if (!matcher.matches()) {
            throw new UsageException(flag + ": expected a duration like 500ms, 10s, 2m or 1h, got '" + value + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration duration = switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new AssertionError(matcher.group(2));
        };
        if (duration.isZero()) {
            throw new UsageException(flag + ": must be greater than zero");
        }
        return duration;
    }

    private static ApiKeys parseKeys(String source, String spec) throws UsageException {
        try {
            return ApiKeys.parse(spec);
        } catch (IllegalArgumentException e) {
            // ApiKeys' messages name keys and positions only, so this is safe to print.
            throw new UsageException(source + ": " + e.getMessage() + " (expected key:secret[,key2:secret2])");
        }
    }
}
