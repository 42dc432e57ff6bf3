package dev.holdline.loadtest.drill;

import dev.holdline.devserver.DevServer;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.loadtest.caller.SyntheticCaller.Gap;
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.room.RoomException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * One synthetic caller's call: create the dispatch, join the room, talk and listen for the planned
 * length, hang up (the agent's session then ends with CALLER_LEFT), and judge whether it was cut.
 *
 * <p><b>Cut</b>: before its planned end, after it first heard the agent, the caller heard a run of
 * silence of {@code cutSilence} or longer (silent frames, or no frames at all), or the agent left
 * the room, or the caller's own room connection ended; or it never heard the agent within
 * {@link #ANSWER_TIMEOUT}. Not cuts: the start-up silence before the agent's first audio, isolated
 * lost or concealed frames (shorter runs), and the headless playout clock's shortfall.
 */
final class DrillCall {
    /** A caller that has heard nothing this long after dispatch gives up: the call was never answered. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);
    private static final long CHECK_MILLIS = 100;

    /** Told when the caller is in the room (or failed to get there). */
    interface Listener {
        void started();
    }

    private DrillCall() {
    }

    /**
     * Runs the call to its end.
     *
     * @param startMillis when it started, in the run's time (for the outcome)
     */
    static RunResult.CallOutcome run(DevServer server, RoomConnector connector, String roomName, CallPlan.PlannedCall plan,
                                     String agent, SyntheticCaller.Options options, Duration cutSilence,
                                     long startMillis, Listener listener) throws InterruptedException {
        String identity = "caller-" + plan.index();
        long dispatchNanos = System.nanoTime();
        server.createDispatch(roomName, agent, "");
        long joinNanos = System.nanoTime();
        SyntheticCaller caller;
        try {
            caller = SyntheticCaller.join(connector, server.httpUrl(), server.participantToken(roomName, identity), identity,
                    options);
        } catch (RoomException e) {
            listener.started();
            return new RunResult.CallOutcome(plan.index(), roomName, null, null, startMillis, plan.lengthMillis(), 0, -1,
                    true, "could not join the room: " + e.getMessage(), 0, 0, 1, 0, List.of(), null);
        }
        listener.started();
        long plannedEnd = joinNanos + plan.lengthMillis() * 1_000_000;
        String early = null;
        long earlyAt = -1;
        try {
            while (System.nanoTime() < plannedEnd) {
                if (caller.agentLeftMillis() >= 0) {
                    early = "the agent left the room";
                    earlyAt = caller.agentLeftMillis();
                    break;
                }
                if (caller.disconnectedMillis() >= 0) {
                    early = "the caller's room connection ended";
                    earlyAt = caller.disconnectedMillis();
                    break;
                }
                if (caller.report().firstAudioMillis() < 0 && System.nanoTime() - dispatchNanos > ANSWER_TIMEOUT.toNanos()) {
                    early = "no audio from an agent within " + ANSWER_TIMEOUT.toSeconds() + " s of the dispatch";
                    earlyAt = (System.nanoTime() - joinNanos) / 1_000_000;
                    break;
                }
                Thread.sleep(Math.min(CHECK_MILLIS, Math.max(1, (plannedEnd - System.nanoTime()) / 1_000_000)));
            }
            // What was heard up to the planned end (or the early end), before hanging up changes it.
            List<Gap> gaps = caller.gaps();
            SyntheticCaller.Report report = caller.report();
            long length = (System.nanoTime() - joinNanos) / 1_000_000;
            caller.hangUp();

            Gap firstLong = gaps.stream().filter(g -> g.lengthMillis() >= cutSilence.toMillis())
                    .min(Comparator.comparingLong(Gap::startMillis)).orElse(null);
            long cutAt = Long.MAX_VALUE;
            String reason = null;
            if (firstLong != null) {
                cutAt = firstLong.startMillis();
                reason = String.format("%s %.1f s from %.1f s into the call",
                        firstLong.kind() == Gap.Kind.SILENT ? "silence" : "no audio frames", firstLong.lengthMillis() / 1000.0,
                        firstLong.startMillis() / 1000.0);
            }
            if (early != null && earlyAt < cutAt) {
                cutAt = earlyAt;
                reason = String.format("%s %.1f s into the call", early, earlyAt / 1000.0);
            }
            boolean cut = reason != null;
            long firstAudio = report.firstAudioMillis() < 0 ? -1
                    : (joinNanos - dispatchNanos) / 1_000_000 + report.firstAudioMillis();
            long longestGap = gaps.stream().mapToLong(Gap::lengthMillis).max().orElse(0);
            // In run time: the caller joined (joinNanos - callNanos) after the call's start.
            long joinedAt = startMillis + (joinNanos - dispatchNanos) / 1_000_000;
            List<RunResult.HeardGap> heard = gaps.stream().filter(g -> g.lengthMillis() >= 300)
                    .map(g -> new RunResult.HeardGap(joinedAt + g.startMillis(), g.lengthMillis(), g.kind().name())).toList();
            return new RunResult.CallOutcome(plan.index(), roomName, null, null, startMillis, plan.lengthMillis(), length,
                    firstAudio, cut, reason, cut ? cutAt : -1, Math.max(longestGap, report.longestSilenceMillis()),
                    report.missingShare(), report.shortfallShare(), heard, null);
        } finally {
            caller.close();
        }
    }
}
