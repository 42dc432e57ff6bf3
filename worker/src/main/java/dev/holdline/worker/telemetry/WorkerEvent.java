package dev.holdline.worker.telemetry;

import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.protocol.AgentConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What the admin API's {@code WatchEvents} streams. */
public sealed interface WorkerEvent {
    Instant time();

    /** The state when a watcher subscribes; always its first event. */
    record Snapshot(Instant time, LifecycleState state, AgentConnection.State connection, List<LiveSession> sessions)
            implements WorkerEvent {
    }

    record LifecycleChanged(Instant time, LifecycleState from, LifecycleState to, String reason) implements WorkerEvent {
    }

    /** @param detail the worker id after a registration, the cause after a loss */
    record ConnectionChanged(Instant time, AgentConnection.State state, String detail) implements WorkerEvent {
    }

    record SessionStarted(Instant time, LiveSession session) implements WorkerEvent {
    }

    record SessionEnded(Instant time, LiveSession session, EndReason reason, boolean succeeded, String error,
                        Duration duration) implements WorkerEvent {
    }
}
