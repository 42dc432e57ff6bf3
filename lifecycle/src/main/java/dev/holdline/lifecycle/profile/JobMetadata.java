package dev.holdline.lifecycle.profile;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * A job's dispatch metadata, parsed as a JSON object on first use and at most once: profile
 * resolution runs on every session start and may consult several rules. Metadata that is empty,
 * not JSON, or JSON but not an object simply has no fields. Not thread-safe: one per resolution.
 */
final class JobMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String raw;
    private JsonNode object;

    JobMetadata(String raw) {
        this.raw = raw;
    }

    /** The text of a top-level scalar field; empty when absent, null, an object or an array. */
    Optional<String> field(String name) {
        JsonNode value = object().get(name);
        if (value == null || !value.isValueNode() || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(value.asText());
    }

    private JsonNode object() {
        if (object == null) {
            object = parse(raw);
        }
        return object;
    }

    private static JsonNode parse(String raw) {
        if (raw.isBlank() || raw.strip().charAt(0) != '{') {
            return JSON.createObjectNode(); // cheap exit for the common non-JSON metadata
        }
        try {
            JsonNode node = JSON.readTree(raw);
            return node != null && node.isObject() ? node : JSON.createObjectNode();
        } catch (JacksonException e) {
            return JSON.createObjectNode();
        }
    }
}
