package dev.holdline.devserver.rtc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.Optional;

/**
 * Trickle candidates travel as the JSON of an {@code RTCIceCandidateInit} ({@code candidate},
 * {@code sdpMid}, {@code sdpMLineIndex}). LiveKit's Rust client requires all three fields.
 */
final class IceCandidates {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IceCandidates() {}

    static String toJson(RTCIceCandidate candidate) {
        ObjectNode node = JSON.createObjectNode();
        node.put("candidate", candidate.sdp);
        node.put("sdpMid", candidate.sdpMid == null ? "0" : candidate.sdpMid);
        node.put("sdpMLineIndex", candidate.sdpMLineIndex);
        return node.toString();
    }

    /**
     * @return the candidate, or empty for an end-of-candidates marker (empty {@code candidate})
     * @throws IllegalArgumentException if the text is not a candidate init object
     */
    static Optional<RTCIceCandidate> fromJson(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("candidate_init is not JSON");
        }
        if (node == null || !node.isObject() || !node.path("candidate").isTextual()) {
            throw new IllegalArgumentException("candidate_init has no 'candidate' string");
        }
        String candidate = node.get("candidate").asText();
        if (candidate.isEmpty()) {
            return Optional.empty();
        }
        String mid = node.path("sdpMid").isTextual() ? node.get("sdpMid").asText() : null;
        int index = node.path("sdpMLineIndex").isInt() ? node.get("sdpMLineIndex").asInt() : 0;
        return Optional.of(new RTCIceCandidate(mid, index, candidate));
    }
}
