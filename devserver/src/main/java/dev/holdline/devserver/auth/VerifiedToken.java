package dev.holdline.devserver.auth;

/**
 * A token whose signature and lifetime have been checked.
 *
 * @param apiKey the issuer, i.e. the API key whose secret signed it
 * @param identity the subject; empty for server API and agent worker tokens
 * @param video the {@code video} grants
 * @param participant the participant claims a room join uses (name, metadata, kind, ...)
 */
public record VerifiedToken(String apiKey, String identity, VideoGrants video, ParticipantClaims participant) {

    public VerifiedToken(String apiKey, String identity, VideoGrants video) {
        this(apiKey, identity, video, ParticipantClaims.NONE);
    }
}
