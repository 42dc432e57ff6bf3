package dev.holdline.worker.doctor;

import java.util.Objects;

/**
 * One line of the doctor's report.
 *
 * @param check   short name, e.g. {@code websocket}
 * @param message what was found, and for WARN and FAIL the fix ("… Fix: …")
 */
public record Finding(Verdict verdict, String check, String message) {
    public Finding {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(message, "message");
    }

    static Finding pass(String check, String message) {
        return new Finding(Verdict.PASS, check, message);
    }

    static Finding info(String check, String message) {
        return new Finding(Verdict.INFO, check, message);
    }

    static Finding warn(String check, String message) {
        return new Finding(Verdict.WARN, check, message);
    }

    static Finding fail(String check, String message) {
        return new Finding(Verdict.FAIL, check, message);
    }

    static Finding skip(String check, String message) {
        return new Finding(Verdict.SKIP, check, message);
    }

    /** {@code PASS websocket: …}, verdicts padded so that the names line up. */
    public String line() {
        return String.format("%-4s %s: %s", verdict, check, message);
    }
}
