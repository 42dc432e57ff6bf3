package dev.holdline.worker.doctor;

/** How one doctor line came out. Only {@link #FAIL} makes the doctor exit non-zero. */
public enum Verdict {
    /** Checked and fine. */
    PASS,
    /** Advice, or a fact worth knowing; nothing wrong. */
    INFO,
    /** Works, but something is off or could not be checked; the line says what to do. */
    WARN,
    /** Will break calls or keep the worker from working; the line says how to fix it. */
    FAIL,
    /** Not checked because an earlier check failed. */
    SKIP
}
