package dev.holdline.devserver.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The claims of a room token that describe the participant, as LiveKit reads them: {@code name},
 * {@code metadata}, {@code attributes}, {@code kind}, and the publish/subscribe grants with
 * LiveKit's defaults (an absent {@code canPublish}, {@code canSubscribe} or {@code canPublishData}
 * means allowed).
 *
 * @param kind the {@code kind} claim lower-cased ({@code "agent"}, {@code "standard"}, ...); empty if absent
 */
public record ParticipantClaims(
        String name,
        String metadata,
        Map<String, String> attributes,
        String kind,
        boolean canPublish,
        boolean canSubscribe,
        boolean canPublishData,
        boolean hidden) {

    public static final ParticipantClaims NONE =
            new ParticipantClaims("", "", Map.of(), "", true, true, true, false);

    public ParticipantClaims {
        name = name == null ? "" : name;
        metadata = metadata == null ? "" : metadata;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        kind = kind == null ? "" : kind;
    }

    /** Reads the claims from a decoded token; wrongly typed claims are treated as absent. */
    static ParticipantClaims from(
            Object name, Object metadata, Map<String, Object> attributes, Object kind, Map<String, Object> video) {
        Map<String, String> attrs = new LinkedHashMap<>();
        if (attributes != null) {
            attributes.forEach((key, value) -> {
                if (value instanceof String text) {
                    attrs.put(key, text);
                }
            });
        }
        Map<String, Object> grants = video == null ? Map.of() : video;
        return new ParticipantClaims(
                name instanceof String text ? text : "",
                metadata instanceof String text ? text : "",
                attrs,
                kind instanceof String text ? text.toLowerCase(java.util.Locale.ROOT) : "",
                allowedUnlessFalse(grants.get("canPublish")),
                allowedUnlessFalse(grants.get("canSubscribe")),
                allowedUnlessFalse(grants.get("canPublishData")),
                Boolean.TRUE.equals(grants.get("hidden")));
    }

    private static boolean allowedUnlessFalse(Object grant) {
        return !Boolean.FALSE.equals(grant);
    }

    public boolean isAgent() {
        return "agent".equals(kind);
    }
}
