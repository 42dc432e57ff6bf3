package dev.holdline.lifecycle.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Which AWS call failures are worth another try, and how to name one in a log line. */
final class AwsErrors {
    private AwsErrors() {
    }

    /**
     * Throttling, HTTP 5xx, request timeouts, clock skew and anything that never got an answer
     * (connection refused, reset, timed out). Not: access denied, validation errors, unknown
     * clusters — another try would fail the same way.
     */
    static boolean retryable(Throwable e) {
        if (e instanceof AwsServiceException s) {
            return s.isThrottlingException() || s.isClockSkewException() || s.statusCode() >= 500
                    || s.statusCode() == 408 || s.statusCode() == 429;
        }
        return e instanceof SdkClientException || e instanceof IOException || e instanceof UncheckedIOException;
    }

    /** One line: the AWS error code and message, or the exception's class and message. */
    static String describe(Throwable e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            String code = s.awsErrorDetails().errorCode();
            String message = s.awsErrorDetails().errorMessage();
            return (code == null ? "HTTP " + s.statusCode() : code + " (HTTP " + s.statusCode() + ")")
                    + (message == null || message.isBlank() ? "" : ": " + message);
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + oneLine(message));
    }

    /** Whether the caller lacks an IAM permission, so the log line can say which one to grant. */
    static boolean accessDenied(Throwable e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null && s.awsErrorDetails().errorCode() != null) {
            String code = s.awsErrorDetails().errorCode();
            return code.equals("AccessDeniedException") || code.equals("AccessDenied") || code.equals("UnauthorizedOperation");
        }
        return false;
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }
}
