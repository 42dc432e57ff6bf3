package dev.holdline.lifecycle.profile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A profile configuration being assembled from its sources (built-in, file, environment, code),
 * each value remembering where it came from. {@link #build} validates the whole and is the only
 * way to a {@link ProfileConfig}, so every source gets the same checks and the same messages.
 * Used by one thread while loading, then dropped.
 */
final class ConfigDraft {
    /** One profile as assembled so far. */
    static final class ProfileDraft {
        final String name;
        Sourced<Duration> drainTimeout;
        Sourced<Duration> wrapUpNotice;
        MatchRule match;

        ProfileDraft(String name, Sourced<Duration> drainTimeout, Sourced<Duration> wrapUpNotice, MatchRule match) {
            this.name = name;
            this.drainTimeout = drainTimeout;
            this.wrapUpNotice = wrapUpNotice;
            this.match = match;
        }
    }

    /** Names the whole configuration in errors about no single value (the file, or "ProfileConfig.builder()"). */
    final String origin;
    final Map<String, ProfileDraft> profiles = new LinkedHashMap<>();
    /** Null: {@link ProfileConfig#DEFAULT_PROFILE_NAME}. */
    Sourced<String> defaultProfile;
    /** Null: not known (no file setting, no variable). */
    Sourced<Duration> stopTimeout;
    StopTimeoutSource stopTimeoutSource;
    /** Null: {@link ProfileConfig#DEFAULT_SAFETY_MARGIN}. */
    Sourced<Duration> safetyMargin;

    ConfigDraft(String origin) {
        this.origin = origin;
    }

    static ProfileConfigException error(String source, String detail) {
        return new ProfileConfigException(source + ": " + detail);
    }

    /** Parses a duration, reporting a bad one against {@code source}. */
    static Duration duration(String text, String setting, String source) {
        try {
            return Durations.parse(text, setting);
        } catch (IllegalArgumentException e) {
            throw error(source, e.getMessage());
        }
    }

    ProfileConfig build() {
        if (profiles.isEmpty()) {
            throw error(origin, "no profiles are configured. Fix: add at least one profile with its drain_timeout and wrap_up_notice");
        }
        List<CallProfile> built = new ArrayList<>(profiles.size());
        Map<String, MatchRule> rules = new LinkedHashMap<>();
        for (ProfileDraft p : profiles.values()) {
            built.add(validate(p));
            if (p.match != null) {
                rules.put(p.name, p.match);
            }
        }
        String defaultName = defaultProfileName();
        if (stopTimeout != null && !stopTimeout.value().isPositive()) {
            throw error(stopTimeout.source(), "stop_timeout " + Durations.format(stopTimeout.value())
                    + " must be longer than 0. Fix: set it to the container's stopTimeout, e.g. 930s");
        }
        Duration margin = safetyMargin == null ? ProfileConfig.DEFAULT_SAFETY_MARGIN : safetyMargin.value();
        if (margin.isNegative()) {
            throw error(safetyMargin.source(), "safety_margin " + Durations.format(margin) + " is negative. Fix: use 0s or more");
        }
        return new ProfileConfig(built, rules, defaultName,
                Optional.ofNullable(stopTimeout).map(Sourced::value), stopTimeoutSource, margin);
    }

    private static CallProfile validate(ProfileDraft p) {
        String setting = "profile '" + p.name + "': ";
        Duration drain = p.drainTimeout.value();
        Duration wrapUp = p.wrapUpNotice.value();
        if (!drain.isPositive()) {
            throw error(p.drainTimeout.source(), setting + "drain_timeout " + Durations.format(drain) + " must be longer than 0. Fix: give the time this "
                    + "profile's calls may go on after a drain starts, e.g. 300s");
        }
        if (wrapUp.compareTo(drain) >= 0) {
            String wrapUpFrom = p.wrapUpNotice.source().equals(p.drainTimeout.source())
                    ? "" : " (from " + p.wrapUpNotice.source() + ")";
            throw error(p.drainTimeout.source(), setting + "wrap_up_notice " + Durations.format(wrapUp) + wrapUpFrom
                    + " is not shorter than drain_timeout " + Durations.format(drain)
                    + ". Fix: lower wrap_up_notice below " + Durations.format(drain)
                    + " or raise drain_timeout above " + Durations.format(wrapUp));
        }
        return new CallProfile(p.name, drain, wrapUp);
    }

    private String defaultProfileName() {
        String names = String.join(", ", profiles.keySet());
        if (defaultProfile == null) {
            if (!profiles.containsKey(ProfileConfig.DEFAULT_PROFILE_NAME)) {
                throw error(origin, "no default_profile is set and no profile is named '" + ProfileConfig.DEFAULT_PROFILE_NAME
                        + "' (profiles: " + names + "). Fix: set default_profile to one of them, or add a profile named '"
                        + ProfileConfig.DEFAULT_PROFILE_NAME + "'");
            }
            return ProfileConfig.DEFAULT_PROFILE_NAME;
        }
        String name = defaultProfile.value();
        if (!profiles.containsKey(name)) {
            throw error(defaultProfile.source(), "default_profile '" + name + "' is not a configured profile (profiles: "
                    + names + "). Fix: set default_profile to one of them, or add a profile named '" + name + "'");
        }
        return name;
    }
}
