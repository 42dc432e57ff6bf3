package dev.holdline.lifecycle.profile;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a job's call profile; see {@link ProfileConfig#resolve} for the order. Thread-safe:
 * its only mutable state is the memory of which unknown names were already warned about.
 */
final class ProfileMatcher {
    private static final Logger log = LoggerFactory.getLogger(ProfileConfig.class);
    /**
     * How many distinct unknown profile names are remembered (and so warned about once each).
     * Bounded because the names may come from callers' metadata; past it, new names are not logged.
     */
    static final int MAX_REMEMBERED_UNKNOWN_NAMES = 256;

    private record Rule(CallProfile profile, MatchRule match) {
    }

    private final Map<String, CallProfile> byName;
    private final List<Rule> rules;
    private final CallProfile defaultProfile;
    private final String profileNames;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    ProfileMatcher(Map<String, CallProfile> byName, Map<String, MatchRule> rules, CallProfile defaultProfile) {
        this.byName = byName;
        this.rules = rules.entrySet().stream().map(e -> new Rule(byName.get(e.getKey()), e.getValue())).toList();
        this.defaultProfile = defaultProfile;
        this.profileNames = String.join(", ", byName.keySet());
    }

    CallProfile resolve(JobFacts job, ProfileResolver developerResolver) {
        Optional<CallProfile> chosen = developerResolver == null ? Optional.empty() : askDeveloper(job, developerResolver);
        if (chosen.isPresent()) {
            return chosen.get();
        }
        JobMetadata metadata = new JobMetadata(job.metadata());
        for (Rule rule : rules) {
            if (rule.match().matches(job, metadata)) {
                return rule.profile();
            }
        }
        Optional<String> named = metadata.field("profile");
        if (named.isPresent()) {
            CallProfile profile = byName.get(named.get());
            if (profile != null) {
                return profile;
            }
            warnOnce("metadata:" + named.get(), "Dispatch metadata names profile '{}', which is not configured (profiles: {});"
                    + " using default profile '{}'. Logged once per name.", named.get(), profileNames, defaultProfile.name());
        }
        return defaultProfile;
    }

    private Optional<CallProfile> askDeveloper(JobFacts job, ProfileResolver resolver) {
        Optional<String> named;
        try {
            named = resolver.profileFor(job);
        } catch (RuntimeException e) {
            log.warn("The profile resolver failed for a job of agent '{}'; choosing its profile by the configured rules instead",
                    job.agentName(), e);
            return Optional.empty();
        }
        if (named == null || named.isEmpty()) {
            return Optional.empty();
        }
        CallProfile profile = byName.get(named.get());
        if (profile == null) {
            warnOnce("resolver:" + named.get(), "The profile resolver chose profile '{}', which is not configured (profiles: {});"
                    + " choosing by the configured rules instead. Logged once per name.", named.get(), profileNames);
        }
        return Optional.ofNullable(profile);
    }

    private void warnOnce(String key, String message, Object... args) {
        if (warned.size() < MAX_REMEMBERED_UNKNOWN_NAMES && warned.add(key)) {
            log.warn(message, args);
        }
    }
}
