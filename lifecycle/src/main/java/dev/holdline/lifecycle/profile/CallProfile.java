package dev.holdline.lifecycle.profile;

import java.time.Duration;
import java.util.Objects;

/**
 * How long calls of one kind may run on after a drain starts, and how early their handler is
 * told to wrap up. Operators name profiles (e.g. {@code support: 900s / 60s}) in the profile
 * file; a job maps to one of them.
 *
 * @param name          the profile's name, as in the file
 * @param drainTimeout  a session's time from the drain's start to its deadline
 * @param wrapUpNotice  how long before that deadline the handler gets {@code onWrapUp}
 */
public record CallProfile(String name, Duration drainTimeout, Duration wrapUpNotice) {
    public CallProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(wrapUpNotice, "wrapUpNotice");
        if (drainTimeout.isNegative() || drainTimeout.isZero()) {
            throw new IllegalArgumentException("profile '" + name + "': drain_timeout must be positive, was " + drainTimeout);
        }
        if (wrapUpNotice.isNegative() || wrapUpNotice.compareTo(drainTimeout) >= 0) {
            throw new IllegalArgumentException("profile '" + name + "': wrap_up_notice (" + wrapUpNotice
                    + ") must be at least 0 and shorter than drain_timeout (" + drainTimeout + ")");
        }
    }
}
