package dev.holdline.lifecycle.profile;

import java.util.Map;

/**
 * What is known about a job when its session starts, as far as choosing its call profile goes.
 * Missing values are normalised to empty ones, so that rules and resolvers never see null.
 *
 * @param agentName  the agent name the job was dispatched to ({@code ""} for the default agent)
 * @param metadata   the dispatch metadata as sent, usually JSON but not necessarily
 * @param attributes the caller participant's attributes (no null names or values)
 */
public record JobFacts(String agentName, String metadata, Map<String, String> attributes) {
    public JobFacts {
        agentName = agentName == null ? "" : agentName;
        metadata = metadata == null ? "" : metadata;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
