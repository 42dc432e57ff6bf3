package dev.holdline.lifecycle.profile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * When a job gets a profile by the profile file's rules: every condition that is given must hold.
 * <ul>
 *   <li>{@code agentNames}: the job's agent name is one of these;</li>
 *   <li>{@code metadata}: the dispatch metadata is a JSON object and, for every entry, its field
 *       of that name is a scalar whose text equals the value ({@code 1}, {@code true} and
 *       {@code "1"} all read as text); metadata that is not JSON matches no metadata condition;</li>
 *   <li>{@code attributes}: for every entry, the caller's attribute of that name equals the value.</li>
 * </ul>
 * Empty lists or maps mean "no condition of that kind". A rule with no condition at all is refused,
 * since it would match every job and silently shadow the rules after it.
 */
public record MatchRule(List<String> agentNames, Map<String, String> metadata, Map<String, String> attributes) {
    public MatchRule {
        agentNames = List.copyOf(agentNames);
        metadata = unmodifiableCopy(metadata);
        attributes = unmodifiableCopy(attributes);
        if (agentNames.isEmpty() && metadata.isEmpty() && attributes.isEmpty()) {
            throw new IllegalArgumentException("a match rule needs at least one condition (agent names, metadata or attributes)");
        }
    }

    /** A rule matching jobs dispatched to any of {@code names}. */
    public static MatchRule agentNames(String... names) {
        return new MatchRule(List.of(names), Map.of(), Map.of());
    }

    /** This rule with one more metadata condition. */
    public MatchRule withMetadata(String field, String value) {
        Map<String, String> more = new LinkedHashMap<>(metadata);
        more.put(field, value);
        return new MatchRule(agentNames, more, attributes);
    }

    /** This rule with one more attribute condition. */
    public MatchRule withAttribute(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(attributes);
        more.put(name, value);
        return new MatchRule(agentNames, metadata, more);
    }

    /** Whether {@code job} satisfies every condition. */
    public boolean matches(JobFacts job) {
        return matches(job, new JobMetadata(job.metadata()));
    }

    /** As {@link #matches(JobFacts)}, with the metadata parsed at most once across rules. */
    boolean matches(JobFacts job, JobMetadata parsed) {
        if (!agentNames.isEmpty() && !agentNames.contains(job.agentName())) {
            return false;
        }
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (!e.getValue().equals(job.attributes().get(e.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (!parsed.field(e.getKey()).map(e.getValue()::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    /** Keeps the file's order (for logs) and refuses null keys and values. */
    private static Map<String, String> unmodifiableCopy(Map<String, String> map) {
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
        return Collections.unmodifiableMap(copy);
    }
}
