package dev.holdline.infra.check;

import dev.holdline.lifecycle.profile.Durations;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What one worker container must be given to drain: every profile's drain_timeout and the safety
 * margin, as the worker in that container would see them (the profile file, then the container's
 * {@code HOLDLINE_PROFILE_<NAME>_DRAIN_TIMEOUT} / {@code HOLDLINE_DRAIN_SAFETY_MARGIN}, which win).
 *
 * @param profiles     every profile, in file order
 * @param margin       the safety margin
 * @param marginSource the variable that set the margin, or null when the profile file (or the default) did
 */
record DrainNeed(List<ProfileDrain> profiles, Duration margin, String marginSource) {
    /**
     * One profile's drain_timeout.
     *
     * @param source the variable that set it, or null when the profile file did
     */
    record ProfileDrain(String profile, Duration drainTimeout, String source) {
        String described() {
            return "profile '" + profile + "' drain_timeout " + Durations.format(drainTimeout)
                    + (source == null ? "" : " (" + source + ")");
        }
    }

    DrainNeed {
        profiles = List.copyOf(profiles);
        if (profiles.isEmpty()) {
            throw new IllegalArgumentException("no profiles");
        }
    }

    /** The profile with the longest drain_timeout (the first of equals, in file order). */
    ProfileDrain longest() {
        return profiles.stream().max(Comparator.comparing(ProfileDrain::drainTimeout)).orElseThrow();
    }

    /** The least stop timeout that lets every session reach its deadline: longest drain_timeout + margin. */
    Duration needed() {
        return longest().drainTimeout().plus(margin);
    }

    /** {@code profile 'support' drain_timeout 900s + safety margin 15s = 915s}. */
    String described() {
        return longest().described() + " + safety margin " + Durations.format(margin)
                + (marginSource == null ? "" : " (" + marginSource + ")") + " = " + Durations.format(needed());
    }

    /**
     * The other way out when {@code limit} is too short: {@code lower 'support' drain_timeout to at most 585s}
     * (every profile over the limit is named), or lower the margin when it alone reaches the limit.
     */
    String lowerDrainsFix(Duration limit) {
        if (margin.compareTo(limit) >= 0) {
            return "lower the safety margin below " + Durations.format(limit);
        }
        Duration most = limit.minus(margin);
        String over = profiles.stream()
                .filter(p -> p.drainTimeout().compareTo(most) > 0)
                .map(p -> "'" + p.profile() + "'")
                .collect(Collectors.joining(", "));
        return "lower drain_timeout to at most " + Durations.format(most) + " in " + (over.contains(",") ? "profiles " : "profile ") + over;
    }
}
