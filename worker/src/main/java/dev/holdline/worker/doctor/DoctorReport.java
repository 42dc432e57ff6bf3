package dev.holdline.worker.doctor;

import java.io.PrintStream;
import java.util.List;

/** Every finding, in the order checked. */
public record DoctorReport(List<Finding> findings) {
    public DoctorReport {
        findings = List.copyOf(findings);
    }

    public long count(Verdict verdict) {
        return findings.stream().filter(f -> f.verdict() == verdict).count();
    }

    /** True when any finding is FAIL: the doctor exits 1. */
    public boolean failed() {
        return count(Verdict.FAIL) > 0;
    }

    /** The finding of {@code check}, first one if several. */
    public java.util.Optional<Finding> find(String check) {
        return findings.stream().filter(f -> f.check().equals(check)).findFirst();
    }

    /** {@code 1 FAIL, 2 WARN}. */
    public String summary() {
        return count(Verdict.FAIL) + " FAIL, " + count(Verdict.WARN) + " WARN";
    }

    public void print(PrintStream out) {
        findings.forEach(f -> out.println(f.line()));
        out.println(summary());
    }
}
