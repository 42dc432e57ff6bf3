package dev.holdline.lifecycle.profile;

/**
 * A setting's value and where it came from ({@code /etc/holdline/profiles.yaml line 6},
 * {@code HOLDLINE_STOP_TIMEOUT}, ...), so that an error found later — after env overrides, or
 * when two settings disagree — still points the operator at the right place.
 */
record Sourced<T>(T value, String source) {
}
