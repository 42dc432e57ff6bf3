package dev.holdline.infra.check;

/** How bad a {@link Finding} is. {@code infra check} exits 1 when any finding is {@link #FAIL}. */
public enum Severity {
    /** A deploy or a scale-in would cut calls, or the worker would not protect them. */
    FAIL,
    /** Probably fine, but something is weaker than it should be, or could not be verified from the template. */
    WARN,
    /** Checked and fine. */
    OK
}
