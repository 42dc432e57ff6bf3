package dev.holdline.lifecycle.protection;

import java.time.Instant;
import java.util.Optional;

/**
 * What the policy wants and what the platform last confirmed, for health output and metrics.
 *
 * @param backend             {@link ProtectionBackend#describe()}
 * @param wanted              whether protection should be on now (busy, or idle within the grace)
 * @param enabled             the last confirmed state: on and, for expiring protection, not yet expired
 * @param expiresAt           when confirmed protection lapses unless renewed; empty while off or when it does not expire
 * @param lastError           the last failure's message; cleared by the next success
 * @param consecutiveFailures failed calls since the last success
 * @param circuit             the circuit breaker around the backend: {@code CLOSED}, {@code OPEN} or
 *                            {@code HALF_OPEN} ({@code DISABLED} for {@link ProtectionPolicy#none})
 */
public record ProtectionStatus(String backend, boolean wanted, boolean enabled, Optional<Instant> expiresAt,
                               Optional<String> lastError, int consecutiveFailures, String circuit) {
}
