package dev.holdline.devserver.rtc;

import java.time.Duration;
import java.util.Objects;

/**
 * Signal-connection timing, told to clients in the JoinResponse.
 *
 * @param pingInterval how often clients should ping (LiveKit: 5 s); whole seconds on the wire
 * @param signalTimeout how long a participant may stay silent (no ping, no message) before the
 *     server drops it as vanished (LiveKit: 15 s); also the client's own pong timeout
 */
public record RtcSettings(Duration pingInterval, Duration signalTimeout) {
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SIGNAL_TIMEOUT = Duration.ofSeconds(15);

    public static final RtcSettings DEFAULTS = new RtcSettings(DEFAULT_PING_INTERVAL, DEFAULT_SIGNAL_TIMEOUT);

    public RtcSettings {
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(signalTimeout, "signalTimeout");
        if (pingInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("pingInterval must be at least 1 s (clients get whole seconds), got "
                    + pingInterval);
        }
        if (signalTimeout.compareTo(pingInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("signalTimeout (" + signalTimeout
                    + ") must be at least twice pingInterval (" + pingInterval + "), or pinging clients time out");
        }
    }

    int pingIntervalSeconds() {
        return (int) pingInterval.toSeconds();
    }

    int signalTimeoutSeconds() {
        return (int) Math.max(1, (signalTimeout.toMillis() + 999) / 1000);
    }
}
