package dev.holdline.infra.check;

import java.util.Objects;

/**
 * One result of {@code infra check}.
 *
 * @param severity how bad it is
 * @param resource the CloudFormation logical id it is about (for a container: its task definition's)
 * @param message  what was found, one sentence without a final period
 * @param fix      what to change, one sentence without a final period; empty for {@link Severity#OK}
 */
public record Finding(Severity severity, String resource, String message, String fix) {
    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(message, "message");
        fix = fix == null ? "" : fix;
    }

    static Finding fail(String resource, String message, String fix) {
        return new Finding(Severity.FAIL, resource, message, fix);
    }

    static Finding warn(String resource, String message, String fix) {
        return new Finding(Severity.WARN, resource, message, fix);
    }

    static Finding ok(String resource, String message) {
        return new Finding(Severity.OK, resource, message, "");
    }

    /**
     * The report line: {@code FAIL WorkerTaskDef: <message>. Fix: <fix>.}, or without the fix part
     * when there is none; the severity is padded to four characters so that the ids line up.
     */
    public String line() {
        String head = String.format("%-4s %s: %s.", severity, resource, message);
        return fix.isEmpty() ? head : head + " Fix: " + fix + ".";
    }

    @Override
    public String toString() {
        return line();
    }
}
