package dev.holdline.scheduler.hosts;

import java.time.Duration;
import java.util.Objects;

/**
 * The rules of a {@link HostPool}. Defaults are documented where the worker declares them
 * ({@code Worker.Builder}); this record only checks that the values make sense.
 *
 * @param sessionsPerHost  K: sessions one host runs at once (1 = a process per call)
 * @param recycleAfter     N: a host that has been given this many sessions takes no more and exits
 *                         when its last one ends
 * @param memoryLimitBytes a host whose resident memory passes this takes no more sessions (recycled
 *                         the same way); {@code Long.MAX_VALUE} for none
 * @param warmHosts        started hosts with room kept ready beyond those in use, so a call never
 *                         waits for a JVM to start (0 starts hosts on demand)
 * @param heartbeatTimeout a ready host silent this long is reaped
 * @param startTimeout     a host not ready this long after it was started is reaped
 */
public record HostPolicy(int sessionsPerHost, int recycleAfter, long memoryLimitBytes, int warmHosts,
                         Duration heartbeatTimeout, Duration startTimeout) {
    public HostPolicy {
        Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (sessionsPerHost < 1) {
            throw new IllegalArgumentException("sessionsPerHost must be at least 1, was " + sessionsPerHost);
        }
        if (recycleAfter < 1) {
            throw new IllegalArgumentException("recycleAfter must be at least 1, was " + recycleAfter);
        }
        if (memoryLimitBytes < 1) {
            throw new IllegalArgumentException("memoryLimit must be positive, was " + memoryLimitBytes + " bytes");
        }
        if (warmHosts < 0) {
            throw new IllegalArgumentException("warmHosts must be 0 or more, was " + warmHosts);
        }
        if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero() || startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("heartbeatTimeout and startTimeout must be positive");
        }
    }
}
