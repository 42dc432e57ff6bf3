package dev.holdline.devserver.rtc;

/**
 * A join (or {@code /rtc/validate}) request cannot be accepted. The message is plain text for the
 * HTTP response and the log: it names the problem, never a token or a secret.
 */
final class JoinRefusedException extends Exception {
    private final int status;

    JoinRefusedException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status to answer with before the upgrade (401 for credentials, as LiveKit does). */
    int status() {
        return status;
    }
}
