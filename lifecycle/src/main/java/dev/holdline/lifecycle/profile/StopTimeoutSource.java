package dev.holdline.lifecycle.profile;

/**
 * Where the stop timeout was set, named the way the operator sets it, for
 * {@link DrainConfigGuard}'s messages ("exceeds HOLDLINE_STOP_TIMEOUT 600s ... set the
 * container's stopTimeout and HOLDLINE_STOP_TIMEOUT to at least 915s").
 */
enum StopTimeoutSource {
    ENV(ProfileConfig.STOP_TIMEOUT_ENV, ProfileConfig.STOP_TIMEOUT_ENV),
    FILE("stop_timeout", "stop_timeout"),
    CODE("the configured stop timeout", "set in code");

    /** How refusal messages name the setting. */
    final String setting;
    /** How {@link ProfileConfig#describe()} names where the value came from. */
    final String origin;

    StopTimeoutSource(String setting, String origin) {
        this.setting = setting;
        this.origin = origin;
    }
}
