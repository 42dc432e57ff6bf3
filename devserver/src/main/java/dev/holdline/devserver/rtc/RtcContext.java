package dev.holdline.devserver.rtc;

import dev.holdline.devserver.events.EventLog;
import java.time.Clock;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels.ServerInfo;

/** What every room and participant shares; one per server. */
record RtcContext(
        RtcSettings settings,
        ServerInfo serverInfo,
        EventLog<RtcEvent> events,
        AudioPacer pacer,
        EnginePool engines,
        ScheduledExecutorService timer,
        Clock clock) {

    /** Runs {@code task} on the timer thread after {@code delayMillis}; dropped once the server stops. */
    void schedule(long delayMillis, Runnable task) {
        try {
            timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: nothing left to do
        }
    }
}
