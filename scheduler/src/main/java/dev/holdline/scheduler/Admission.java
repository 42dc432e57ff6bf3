package dev.holdline.scheduler;

/** The scheduler's answer to an offer. */
public sealed interface Admission {

    /** The offer is taken; the permit holds its slot until the session ends or never starts. */
    record Accepted(SlotPermit permit) implements Admission {}

    /** The offer is declined. */
    record Rejected(RejectReason reason, String detail) implements Admission {}

    default boolean accepted() {
        return this instanceof Accepted;
    }
}
