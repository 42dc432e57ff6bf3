package dev.holdline.loadtest.drill;

import java.util.List;

/**
 * Everything one drill run measured; written as JSON and drawn in the HTML report. Times are in
 * milliseconds after the run started (before the first worker was launched).
 *
 * @param mode              {@code drain} (ECS-shaped, stop timeout covering the drains) or {@code baseline}
 *                          (SIGKILL after a fixed stop timeout)
 * @param stopTimeoutMillis how long the deploy waited after SIGTERM before SIGKILL
 * @param firstAudioP50Millis dispatch created → the caller's first loud frame, median; -1 if no call heard audio
 * @param deployMillis      first new worker launched → last old worker gone
 */
public record RunResult(String mode, String description, long wallMillis, int callsPlanned, int started, int completed,
                        int cut, int unanswered, long offersSent, long offersRejected, long offersTimedOut,
                        long jobsLost, long offersAcceptedAfterSigterm, long firstAudioP50Millis,
                        long firstAudioP99Millis, long deployStartMillis, long deployEndMillis, long deployMillis,
                        long stopTimeoutMillis, long longestPlannedCallMillis, long longestDrainTimeoutMillis,
                        int peakConcurrentCalls, String profilesFile, String protectionBackend,
                        List<WorkerSummary> workers, List<CallOutcome> calls, List<Sample> samples, List<Mark> marks,
                        List<String> notes) {

    /** One worker process over the run. Times are -1 when it did not happen. */
    public record WorkerSummary(String label, int generation, long pid, String workerId, long startedMillis,
                                long registeredMillis, long sigtermMillis, long sigkillMillis, long exitedMillis,
                                int exitCode, long peakRssKib, int callsServed, String drainLine, String logFile) {
    }

    /**
     * One caller. {@code cutAtMillis} is after the caller joined; -1 when the call was not cut.
     *
     * @param gaps      every gap of 300 ms or more the caller heard, in run time
     * @param diagnosis for a call cut by silence: how many of the other calls live then heard a gap at the
     *                  same moment (most of them: the machine stalled, not one worker), else null
     */
    public record CallOutcome(int index, String room, String jobId, String worker, long startMillis,
                              long plannedLengthMillis, long lengthMillis, long dispatchToFirstAudioMillis,
                              boolean cut, String cutReason, long cutAtMillis, long longestSilenceMillis,
                              double missingShare, double shortfallShare, List<HeardGap> gaps, String diagnosis) {
        public CallOutcome {
            gaps = List.copyOf(gaps);
        }

        CallOutcome with(String jobId, String worker, String diagnosis) {
            return new CallOutcome(index, room, jobId, worker, startMillis, plannedLengthMillis, lengthMillis,
                    dispatchToFirstAudioMillis, cut, cutReason, cutAtMillis, longestSilenceMillis, missingShare,
                    shortfallShare, gaps, diagnosis);
        }
    }

    /** A gap a caller heard: from {@code startMillis} (run time) for {@code lengthMillis}; SILENT or STALL. */
    public record HeardGap(long startMillis, long lengthMillis, String kind) {
    }

    /** What a worker's {@code GET /worker} said at one moment, with its process tree's RSS. */
    public record Sample(long tMillis, String worker, String state, int sessions, boolean protectionWanted,
                         boolean protectionOn, long rssKib) {
    }

    /** Something the deploy did or saw: START, REGISTERED, SIGTERM, SIGKILL, EXIT. */
    public record Mark(long tMillis, String worker, String kind, String detail) {
    }
}
