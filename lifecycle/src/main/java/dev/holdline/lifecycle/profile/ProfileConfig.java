package dev.holdline.lifecycle.profile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The call profiles a worker drains with, and the limits they must fit in: what the profile file
 * and the environment say, validated as a whole. Immutable and thread-safe.
 *
 * <p>A session's drain deadline is {@code min(drain start + profile.drainTimeout, hard deadline)}
 * with hard deadline {@code = drain start + }{@link #hardDrainLimit()}. ECS SIGKILLs the
 * container {@code stopTimeout} after SIGTERM and does not tell the task that value, so infra
 * passes it in as {@value #STOP_TIMEOUT_ENV}; {@link DrainConfigGuard} refuses to start when a
 * profile would not fit.
 *
 * <p>Sources, later ones winning: the built-in profile (only without a file), the profile file
 * ({@link #load}), then the environment: {@value #STOP_TIMEOUT_ENV}, {@value #SAFETY_MARGIN_ENV},
 * {@code HOLDLINE_PROFILE_<NAME>_DRAIN_TIMEOUT} and {@code HOLDLINE_PROFILE_<NAME>_WRAP_UP_NOTICE}
 * ({@code <NAME>}: the profile's name upper-cased, anything but letters and digits as {@code _};
 * see {@link #drainTimeoutVariable}). Every problem is a {@link ProfileConfigException} naming
 * the file and line or the variable, the setting, the value and the fix.
 */
public final class ProfileConfig {
    /** Infra sets it to the container's {@code stopTimeout} (ECS gives a task no way to read it). */
    public static final String STOP_TIMEOUT_ENV = "HOLDLINE_STOP_TIMEOUT";
    /** Overrides {@code safety_margin}. */
    public static final String SAFETY_MARGIN_ENV = "HOLDLINE_DRAIN_SAFETY_MARGIN";

    /**
     * The profile a job gets when nothing else chooses one, unless {@code default_profile} names
     * another: {@value}.
     */
    public static final String DEFAULT_PROFILE_NAME = "default";

    /**
     * Default {@code safety_margin}, 10 s, in dev and prod alike: how long before ECS's SIGKILL
     * the last session must have reached its deadline. It covers what happens between the deadline
     * and the process's exit — ending the remaining sessions gracefully (the handler's end
     * callback, {@code UpdateJobStatus} to the server, closing the media), flushing logs and
     * metrics, JVM shutdown — with room for a GC pause or a slow network round trip. ECS's kill
     * is punctual, so the margin is all the slack there is.
     */
    public static final Duration DEFAULT_SAFETY_MARGIN = Duration.ofSeconds(10);

    /**
     * The profile a worker without a profile file runs with ({@link #fromEnv}): drain_timeout 300 s,
     * wrap_up_notice 30 s. Five minutes lets most calls in progress when a deploy or scale-in
     * starts end by themselves (typical voice-agent calls last a few minutes), while keeping a
     * rolling deploy from stalling for long; 30 s is enough for an agent to tell the caller it has
     * to end the call and say goodbye. On Fargate (stopTimeout capped at 120 s) and on any
     * container whose stopTimeout is below 310 s, {@link DrainConfigGuard} refuses this profile
     * and says what to set ({@code HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT}): a start-up error that
     * names the fix beats calls cut by SIGKILL.
     */
    public static final CallProfile BUILT_IN_PROFILE =
            new CallProfile(DEFAULT_PROFILE_NAME, Duration.ofSeconds(300), Duration.ofSeconds(30));

    private final List<CallProfile> profiles;
    private final Map<String, CallProfile> byName;
    private final Map<String, MatchRule> rules;
    private final CallProfile defaultProfile;
    private final Optional<Duration> stopTimeout;
    private final StopTimeoutSource stopTimeoutSource;
    private final Duration safetyMargin;
    private final ProfileMatcher matcher;

    /** Only through {@link ConfigDraft#build}, which validates. */
    ProfileConfig(List<CallProfile> profiles, Map<String, MatchRule> rules, String defaultProfileName,
                  Optional<Duration> stopTimeout, StopTimeoutSource stopTimeoutSource, Duration safetyMargin) {
        this.profiles = List.copyOf(profiles);
        Map<String, CallProfile> names = new LinkedHashMap<>();
        profiles.forEach(p -> names.put(p.name(), p));
        this.byName = Collections.unmodifiableMap(names);
        this.rules = Collections.unmodifiableMap(new LinkedHashMap<>(rules));
        this.defaultProfile = byName.get(defaultProfileName);
        this.stopTimeout = stopTimeout;
        this.stopTimeoutSource = stopTimeout.isPresent() ? stopTimeoutSource : null;
        this.safetyMargin = safetyMargin;
        this.matcher = new ProfileMatcher(byName, this.rules, defaultProfile);
    }

    /**
     * Reads {@code yamlFile}, then applies the overrides in {@code env}.
     *
     * @throws ProfileConfigException when the file cannot be read, is not valid YAML, has a key
     *         that is not a setting, or any value or combination is refused
     */
    public static ProfileConfig load(Path yamlFile, Map<String, String> env) {
        return EnvOverrides.apply(ProfileFileReader.read(yamlFile), env).build();
    }

    /**
     * The configuration of a worker without a profile file: {@link #BUILT_IN_PROFILE} as the only
     * (and default) profile, with the overrides in {@code env} applied.
     */
    public static ProfileConfig fromEnv(Map<String, String> env) {
        ConfigDraft draft = new ConfigDraft("built-in profile '" + DEFAULT_PROFILE_NAME + "'");
        String source = "the built-in profile";
        draft.profiles.put(DEFAULT_PROFILE_NAME, new ConfigDraft.ProfileDraft(DEFAULT_PROFILE_NAME,
                new Sourced<>(BUILT_IN_PROFILE.drainTimeout(), source), new Sourced<>(BUILT_IN_PROFILE.wrapUpNotice(), source), null));
        return EnvOverrides.apply(draft, env).build();
    }

    /** For configuration made in code; the environment is not consulted. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code HOLDLINE_PROFILE_<NAME>_DRAIN_TIMEOUT} for {@code profileName}. */
    public static String drainTimeoutVariable(String profileName) {
        return EnvOverrides.drainTimeoutVariable(profileName);
    }

    /** {@code HOLDLINE_PROFILE_<NAME>_WRAP_UP_NOTICE} for {@code profileName}. */
    public static String wrapUpNoticeVariable(String profileName) {
        return EnvOverrides.wrapUpNoticeVariable(profileName);
    }

    /** Every profile, in the order of the file (or of the builder calls). */
    public List<CallProfile> profiles() {
        return profiles;
    }

    public Optional<CallProfile> profile(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public CallProfile defaultProfile() {
        return defaultProfile;
    }

    public String defaultProfileName() {
        return defaultProfile.name();
    }

    /** The rule by which jobs get {@code profileName}; empty when that profile has none. */
    public Optional<MatchRule> matchRule(String profileName) {
        return Optional.ofNullable(rules.get(profileName));
    }

    /** The container's stopTimeout as told to the worker; empty in dev, where no one sets it. */
    public Optional<Duration> stopTimeout() {
        return stopTimeout;
    }

    public Duration safetyMargin() {
        return safetyMargin;
    }

    /**
     * How long after a drain starts every session must have ended: stop timeout − safety margin;
     * empty when the stop timeout is not known. Zero or negative only for a configuration that
     * {@link DrainConfigGuard#check} refuses.
     */
    public Optional<Duration> hardDrainLimit() {
        return stopTimeout.map(t -> t.minus(safetyMargin));
    }

    /** The longest drain_timeout of any profile: what the stop timeout must cover, with the margin. */
    public Duration longestDrainTimeout() {
        return profiles.stream().map(CallProfile::drainTimeout).max(Duration::compareTo).orElseThrow();
    }

    /**
     * The shortest stop timeout every profile fits in, {@code longest drain_timeout + safety margin}:
     * the rule {@link DrainConfigGuard} enforces, for tools that recommend a value (doctor, the drain planner).
     */
    public Duration minimumStopTimeout() {
        return longestDrainTimeout().plus(safetyMargin);
    }

    /** How the stop timeout was set, for messages; null when it is not known. */
    StopTimeoutSource stopTimeoutSource() {
        return stopTimeoutSource;
    }

    /**
     * The profile {@code job} drains with. Runs on every session start, so it is cheap: the
     * metadata is parsed as JSON at most once, and only when a rule or step needs it. In order:
     * <ol>
     *   <li>{@code developerResolver} (may be null): a configured name it returns wins. A name
     *       that is not configured is logged as a warning once per name, a resolver that throws is
     *       logged as a warning with the exception; either way the next steps decide;</li>
     *   <li>the profiles' match rules, in file order: the first profile whose rule matches
     *       (a profile without {@code match} never matches by rule);</li>
     *   <li>the convention that a metadata JSON field {@code "profile": "<name>"} names a
     *       configured profile (an unknown name is warned about once, then ignored);</li>
     *   <li>the default profile.</li>
     * </ol>
     */
    public CallProfile resolve(JobFacts job, ProfileResolver developerResolver) {
        return matcher.resolve(Objects.requireNonNull(job, "job"), developerResolver);
    }

    /**
     * One line for the start-up log (the caller adds its own lead-in), e.g. {@code support 900s
     * (wrap-up 60s), default 120s (wrap-up 20s, default); stop timeout 930s (HOLDLINE_STOP_TIMEOUT),
     * safety margin 15s, hard drain limit 915s}.
     */
    public String describe() {
        String list = profiles.stream()
                .map(p -> p.name() + " " + Durations.format(p.drainTimeout()) + " (wrap-up " + Durations.format(p.wrapUpNotice())
                        + (p == defaultProfile ? ", default)" : ")"))
                .collect(Collectors.joining(", "));
        String limits = stopTimeout
                .map(t -> "stop timeout " + Durations.format(t) + " (" + stopTimeoutSource.origin + "), safety margin "
                        + Durations.format(safetyMargin) + ", hard drain limit " + Durations.format(hardDrainLimit().orElseThrow()))
                .orElse("stop timeout unknown (" + STOP_TIMEOUT_ENV + " not set: no hard drain limit), safety margin "
                        + Durations.format(safetyMargin));
        return list + "; " + limits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProfileConfig other
                && profiles.equals(other.profiles)
                && rules.equals(other.rules)
                && defaultProfile.equals(other.defaultProfile)
                && stopTimeout.equals(other.stopTimeout)
                && safetyMargin.equals(other.safetyMargin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(profiles, rules, defaultProfile, stopTimeout, safetyMargin);
    }

    @Override
    public String toString() {
        return describe();
    }

    /**
     * Configuration in code. Defaults: default profile {@value #DEFAULT_PROFILE_NAME}, no stop
     * timeout, safety margin {@link #DEFAULT_SAFETY_MARGIN}. {@link #build} applies the same checks
     * as the file and throws {@link ProfileConfigException}.
     */
    public static final class Builder {
        private static final String ORIGIN = "ProfileConfig.builder()";
        private final List<ConfigDraft.ProfileDraft> profiles = new ArrayList<>();
        private String defaultProfile;
        private Duration stopTimeout;
        private Duration safetyMargin;

        private Builder() {
        }

        /** Adds a profile that jobs get only by resolver, metadata convention or default. */
        public Builder profile(CallProfile profile) {
            return profile(profile, null);
        }

        /** Adds a profile with the rule by which jobs get it (after earlier profiles' rules). */
        public Builder profile(CallProfile profile, MatchRule match) {
            Sourced<Duration> drain = new Sourced<>(profile.drainTimeout(), ORIGIN);
            Sourced<Duration> wrapUp = new Sourced<>(profile.wrapUpNotice(), ORIGIN);
            profiles.add(new ConfigDraft.ProfileDraft(profile.name(), drain, wrapUp, match));
            return this;
        }

        public Builder defaultProfile(String name) {
            this.defaultProfile = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
            return this;
        }

        public Builder safetyMargin(Duration safetyMargin) {
            this.safetyMargin = Objects.requireNonNull(safetyMargin, "safetyMargin");
            return this;
        }

        public ProfileConfig build() {
            ConfigDraft draft = new ConfigDraft(ORIGIN);
            for (ConfigDraft.ProfileDraft p : profiles) {
                if (draft.profiles.putIfAbsent(p.name, p) != null) {
                    throw ConfigDraft.error(ORIGIN, "profile '" + p.name + "' is added twice. Fix: add each profile once");
                }
            }
            draft.defaultProfile = defaultProfile == null ? null : new Sourced<>(defaultProfile, ORIGIN);
            if (stopTimeout != null) {
                draft.stopTimeout = new Sourced<>(stopTimeout, ORIGIN);
                draft.stopTimeoutSource = StopTimeoutSource.CODE;
            }
            draft.safetyMargin = safetyMargin == null ? null : new Sourced<>(safetyMargin, ORIGIN);
            return draft.build();
        }
    }
}
