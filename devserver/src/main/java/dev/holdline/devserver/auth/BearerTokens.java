package dev.holdline.devserver.auth;

/** Finds the access token of a request the way LiveKit does: Authorization header first, then query. */
public final class BearerTokens {
    private static final String BEARER_PREFIX = "Bearer ";

    private BearerTokens() {}

    /**
     * @param authorizationHeader the {@code Authorization} header value, or null
     * @param accessTokenParam the {@code access_token} query parameter, or null
     * @return the raw token
     * @throws AuthException when neither carries a token, or the header uses another scheme
     */
    public static String extract(String authorizationHeader, String accessTokenParam) throws AuthException {
        if (authorizationHeader != null && !authorizationHeader.isBlank()) {
            if (!authorizationHeader.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length())) {
                throw new AuthException("Authorization header must be 'Bearer <token>'");
            }
            String token = authorizationHeader.substring(BEARER_PREFIX.length()).trim();
            if (token.isEmpty()) {
                throw new AuthException("Authorization header has an empty bearer token");
            }
            return token;
        }
        if (accessTokenParam != null && !accessTokenParam.isBlank()) {
            return accessTokenParam.trim();
        }
        throw new AuthException(
                "missing access token: send 'Authorization: Bearer <token>' or ?access_token=<token>");
    }
}
