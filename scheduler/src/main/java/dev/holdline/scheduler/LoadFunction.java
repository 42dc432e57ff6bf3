package dev.holdline.scheduler;

/**
 * Computes this worker's load in [0, 1] (values outside are clamped). The developer may supply
 * one; {@link #DEFAULT} is max(CPU share, sessions / max sessions).
 */
@FunctionalInterface
public interface LoadFunction {

    double load(LoadSnapshot snapshot);

    /** max(CPU share of our cgroup's limit, (running + reserved sessions) / max sessions). */
    LoadFunction DEFAULT = s -> Math.max(s.cpuShare(), s.sessionShare());

    /** What a load function may look at. */
    record LoadSnapshot(double cpuShare, int runningSessions, int reservedSessions, int maxSessions) {
        /** Running plus reserved sessions over the maximum: reserved offers count as load already. */
        public double sessionShare() {
            return (runningSessions + reservedSessions) / (double) maxSessions;
        }
    }
}
