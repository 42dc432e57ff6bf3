package dev.holdline.devserver.twirp;

/** The Twirp error codes this server uses, with the HTTP status the Twirp spec assigns to each. */
public enum TwirpCode {
    BAD_ROUTE("bad_route", 404),
    MALFORMED("malformed", 400),
    INVALID_ARGUMENT("invalid_argument", 400),
    UNAUTHENTICATED("unauthenticated", 401),
    PERMISSION_DENIED("permission_denied", 403),
    NOT_FOUND("not_found", 404),
    INTERNAL("internal", 500);

    private final String code;
    private final int httpStatus;

    TwirpCode(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
