package dev.holdline.lifecycle.profile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies the environment variables that override profile settings (they win over the file, so
 * that infra can set them next to the container's stopTimeout without editing the image):
 * {@value ProfileConfig#STOP_TIMEOUT_ENV}, {@value ProfileConfig#SAFETY_MARGIN_ENV} and
 * {@code HOLDLINE_PROFILE_<NAME>_DRAIN_TIMEOUT} / {@code HOLDLINE_PROFILE_<NAME>_WRAP_UP_NOTICE}.
 * A per-profile variable that names no configured profile is an error: a typo there would
 * otherwise leave the value it was meant to change in force, unnoticed.
 */
final class EnvOverrides {
    private static final String PROFILE_PREFIX = "HOLDLINE_PROFILE_";
    private static final String DRAIN_SUFFIX = "_DRAIN_TIMEOUT";
    private static final String WRAP_UP_SUFFIX = "_WRAP_UP_NOTICE";

    private EnvOverrides() {
    }

    static ConfigDraft apply(ConfigDraft draft, Map<String, String> env) {
        String stop = env.get(ProfileConfig.STOP_TIMEOUT_ENV);
        if (stop != null) {
            draft.stopTimeout = sourced(stop, ProfileFileReader.STOP_TIMEOUT, ProfileConfig.STOP_TIMEOUT_ENV);
            draft.stopTimeoutSource = StopTimeoutSource.ENV;
        }
        String margin = env.get(ProfileConfig.SAFETY_MARGIN_ENV);
        if (margin != null) {
            draft.safetyMargin = sourced(margin, ProfileFileReader.SAFETY_MARGIN, ProfileConfig.SAFETY_MARGIN_ENV);
        }
        // Sorted, so that with several bad variables the same one is reported on every start.
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(PROFILE_PREFIX)) {
                continue;
            }
            if (variable.endsWith(DRAIN_SUFFIX)) {
                ConfigDraft.ProfileDraft p = profileFor(draft, variable, DRAIN_SUFFIX, ProfileFileReader.DRAIN_TIMEOUT);
                p.drainTimeout = sourced(e.getValue(), "profile '" + p.name + "': " + ProfileFileReader.DRAIN_TIMEOUT, variable);
            } else if (variable.endsWith(WRAP_UP_SUFFIX)) {
                ConfigDraft.ProfileDraft p = profileFor(draft, variable, WRAP_UP_SUFFIX, ProfileFileReader.WRAP_UP_NOTICE);
                p.wrapUpNotice = sourced(e.getValue(), "profile '" + p.name + "': " + ProfileFileReader.WRAP_UP_NOTICE, variable);
            }
        }
        return draft;
    }

    /** The {@code <NAME>} part of a profile's variables: upper case, anything but A–Z and 0–9 as {@code _}. */
    static String envName(String profileName) {
        StringBuilder name = new StringBuilder(profileName.length());
        for (char c : profileName.toCharArray()) {
            char upper = Character.toUpperCase(c);
            name.append((upper >= 'A' && upper <= 'Z') || (upper >= '0' && upper <= '9') ? upper : '_');
        }
        return name.toString();
    }

    static String variable(String profileName, String suffix) {
        return PROFILE_PREFIX + envName(profileName) + suffix;
    }

    static String drainTimeoutVariable(String profileName) {
        return variable(profileName, DRAIN_SUFFIX);
    }

    static String wrapUpNoticeVariable(String profileName) {
        return variable(profileName, WRAP_UP_SUFFIX);
    }

    private static ConfigDraft.ProfileDraft profileFor(ConfigDraft draft, String variable, String suffix, String setting) {
        String envName = variable.substring(PROFILE_PREFIX.length(), variable.length() - suffix.length());
        List<ConfigDraft.ProfileDraft> named = new ArrayList<>(1);
        Map<String, String> variables = new HashMap<>();
        for (ConfigDraft.ProfileDraft p : draft.profiles.values()) {
            if (envName(p.name).equals(envName)) {
                named.add(p);
            }
            variables.put(p.name, variable(p.name, suffix));
        }
        if (named.size() == 1) {
            return named.getFirst();
        }
        if (named.isEmpty()) {
            List<String> valid = draft.profiles.keySet().stream().map(variables::get).toList();
            throw ConfigDraft.error(variable, "overrides " + setting + " of a profile named '" + envName
                    + "', but no configured profile has that name (profiles: " + String.join(", ", draft.profiles.keySet())
                    + "). Fix: use " + String.join(" or ", valid) + ", or remove the variable");
        }
        throw ConfigDraft.error(variable, "matches profiles " + String.join(" and ", named.stream().map(p -> "'" + p.name + "'").toList())
                + " alike, so it is unclear which to override. Fix: rename one of those profiles so their names differ in letters or digits");
    }

    private static Sourced<Duration> sourced(String value, String setting, String variable) {
        return new Sourced<>(ConfigDraft.duration(value, setting, variable), variable);
    }
}
