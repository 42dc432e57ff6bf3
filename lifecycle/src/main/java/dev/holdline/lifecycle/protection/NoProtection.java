package dev.holdline.lifecycle.protection;

import java.time.Duration;

/** The backend for "not on AWS": nothing to protect, every call succeeds and does nothing. */
public final class NoProtection implements ProtectionBackend {
    private final String reason;

    /** @param reason why protection is off, e.g. "ECS_AGENT_URI is not set (not an ECS task)" */
    public NoProtection(String reason) {
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    @Override
    public String describe() {
        return "no scale-in protection (" + reason + ")";
    }

    @Override
    public void setProtected(boolean enabled, Duration expiry) {
        // nothing to do
    }

    @Override
    public boolean expires() {
        return false;
    }
}
