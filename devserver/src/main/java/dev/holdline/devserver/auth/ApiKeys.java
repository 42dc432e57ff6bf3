package dev.holdline.devserver.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The API key pairs the server accepts, in declaration order. The first pair also signs the room
 * tokens the server mints for agents. {@link #toString()} names keys only: secrets never reach a log.
 */
public final class ApiKeys {
    /** The well-known development pair, used when nothing else is configured. */
    public static final String DEV_KEY = "devkey";
    public static final String DEV_SECRET = "secret";

    private final Map<String, String> secretsByKey;

    private ApiKeys(Map<String, String> secretsByKey) {
        if (secretsByKey.isEmpty()) {
            throw new IllegalArgumentException("at least one API key pair is required");
        }
        this.secretsByKey = Collections.unmodifiableMap(new LinkedHashMap<>(secretsByKey));
    }

    public static ApiKeys development() {
        return of(Map.of(DEV_KEY, DEV_SECRET));
    }

    /**
     * @param secretsByKey key → secret, iteration order kept (use a {@link LinkedHashMap} when the
     *     primary pair matters)
     */
    public static ApiKeys of(Map<String, String> secretsByKey) {
        secretsByKey.forEach(ApiKeys::validatePair);
        return new ApiKeys(secretsByKey);
    }

    /**
     * Parses LiveKit's {@code key:secret[,key2:secret2]} form (as in {@code LIVEKIT_KEYS}).
     * Error messages name the offending key or position, never a secret.
     */
    public static ApiKeys parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        Map<String, String> pairs = new LinkedHashMap<>();
        String[] entries = spec.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException(
                        "entry " + (i + 1) + " is not of the form key:secret");
            }
            String key = entry.substring(0, colon).trim();
            String secret = entry.substring(colon + 1).trim();
            validatePair(key, secret);
            if (pairs.putIfAbsent(key, secret) != null) {
                throw new IllegalArgumentException("API key '" + key + "' is given twice");
            }
        }
        return new ApiKeys(pairs);
    }

    private static void validatePair(String key, String secret) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("an API key must not be empty");
        }
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("the secret for API key '" + key + "' must not be empty");
        }
    }

    public Optional<String> secretFor(String key) {
        return Optional.ofNullable(secretsByKey.get(key));
    }

    public String primaryKey() {
        return secretsByKey.keySet().iterator().next();
    }

    public String primarySecret() {
        return secretsByKey.get(primaryKey());
    }

    public List<String> keys() {
        return List.copyOf(secretsByKey.keySet());
    }

    public boolean isDevelopmentDefault() {
        return secretsByKey.size() == 1 && DEV_SECRET.equals(secretsByKey.get(DEV_KEY));
    }

    @Override
    public String toString() {
        return "ApiKeys" + keys();
    }
}
