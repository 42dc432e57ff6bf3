package dev.holdline.devserver.auth;

/**
 * A token whose signature and lifetime have been checked.
 *
 * @param apiKey the issuer, i.e. the API key whose secret signed it
 * @param identity the subject; empty for server API and agent worker tokens
 * @param video the {@code video} grants
 */
public record VerifiedToken(String apiKey, String identity, VideoGrants video) {}
