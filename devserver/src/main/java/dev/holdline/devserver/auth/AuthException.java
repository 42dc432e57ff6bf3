package dev.holdline.devserver.auth;

/**
 * A request's credentials were missing or not acceptable. The message is safe to return to the
 * client and to log: it may name an API key, never a secret or a token.
 */
public final class AuthException extends Exception {
    public AuthException(String message) {
        super(message, null, false, false);
    }
}
