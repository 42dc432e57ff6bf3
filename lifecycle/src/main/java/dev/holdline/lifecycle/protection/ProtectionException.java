package dev.holdline.lifecycle.protection;

/**
 * A protection call that did not take effect. The message says what went wrong in operator terms
 * (and, for a missing permission, which IAM action the role lacks); {@link #retryable()} says
 * whether trying again later can help (throttling, a 5xx, a timeout, an unreachable endpoint) or
 * not (access denied, a task ECS will not protect, a rejected request).
 */
public final class ProtectionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    public ProtectionException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public ProtectionException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the same call may succeed when tried again. */
    public boolean retryable() {
        return retryable;
    }
}
