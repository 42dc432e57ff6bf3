package dev.holdline.lifecycle.profile;

/**
 * The profile file or an environment variable says something the worker will not run with.
 * Thrown while loading, so the worker stops before it takes a call. The message is written for
 * the operator: it names where the value came from (file and line, or variable), the setting,
 * the bad value and the fix, e.g.
 * {@code /etc/holdline/profiles.yaml line 6: profile 'support': drain_timeout 'fifteen' is not a duration (use 900s, 15m or PT15M)}.
 */
public final class ProfileConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProfileConfigException(String message) {
        super(message);
    }

    public ProfileConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
