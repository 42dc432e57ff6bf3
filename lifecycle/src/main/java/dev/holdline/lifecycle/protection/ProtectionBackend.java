package dev.holdline.lifecycle.protection;

import java.time.Duration;

/**
 * Turns scale-in protection on or off for this worker. Calls block until the platform confirms
 * (or refuses); {@link ProtectionPolicy} makes them on its own thread, never on a caller's.
 */
public interface ProtectionBackend extends AutoCloseable {

    /** What is protected, for logs and status, e.g. {@code "ECS task protection (arn:aws:ecs:…)"}. */
    String describe();

    /**
     * Sets protection.
     *
     * @param enabled on or off
     * @param expiry  how long protection holds unless renewed; ignored when off and by backends
     *                whose protection does not {@linkplain #expires() expire}
     * @throws ProtectionException when it did not take effect; see {@link ProtectionException#retryable()}
     */
    void setProtected(boolean enabled, Duration expiry) throws ProtectionException;

    /**
     * Whether protection lapses by itself after the expiry (ECS task protection), so that the policy
     * renews it, or holds until cleared (ASG instance protection).
     */
    default boolean expires() {
        return true;
    }

    /** Releases what the backend holds (HTTP clients); it makes no protection call. */
    @Override
    default void close() {
    }
}
