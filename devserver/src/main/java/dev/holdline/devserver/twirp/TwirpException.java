package dev.holdline.devserver.twirp;

/** A Twirp error to send back: {@code {"code": ..., "msg": ...}} with the code's HTTP status. */
public final class TwirpException extends Exception {
    private final TwirpCode code;

    public TwirpException(TwirpCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public TwirpCode code() {
        return code;
    }

    static TwirpException badRoute(String message) {
        return new TwirpException(TwirpCode.BAD_ROUTE, message);
    }

    static TwirpException invalidArgument(String message) {
        return new TwirpException(TwirpCode.INVALID_ARGUMENT, message);
    }

    static TwirpException notFound(String message) {
        return new TwirpException(TwirpCode.NOT_FOUND, message);
    }

    static TwirpException permissionDenied(String message) {
        return new TwirpException(TwirpCode.PERMISSION_DENIED, message);
    }
}
