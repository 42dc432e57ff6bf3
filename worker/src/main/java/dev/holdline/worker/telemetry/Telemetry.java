package dev.holdline.worker.telemetry;

import dev.holdline.lifecycle.Lifecycle;
import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.worker.dispatch.OfferObserver;
import dev.holdline.worker.dispatch.OfferOutcome;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.logging.SessionLogContext;
import dev.holdline.worker.protocol.AgentConnection;
import dev.holdline.worker.session.SessionObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the worker tells the outside about itself: it hears offers, sessions, lifecycle and
 * connection changes, and keeps the metrics, the live session list and the event stream that the
 * health port's {@code /metrics} and the admin API serve.
 */
public final class Telemetry implements SessionObserver, OfferObserver, Lifecycle.Listener, AutoCloseable {
    private final WorkerView view;
    private final WorkerMetrics metrics;
    private final EventHub events = new EventHub();
    private final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    /** @param profiles the configured profile names */
    public Telemetry(WorkerView view, Collection<String> profiles, Clock clock) {
        this.view = view;
        this.metrics = new WorkerMetrics(profiles);
        this.clock = clock;
        metrics.bind(view);
    }

    public WorkerView view() {
        return view;
    }

    public WorkerMetrics metrics() {
        return metrics;
    }

    public EventHub events() {
        return events;
    }

    /** Running sessions, oldest first. */
    public List<LiveSession> sessions() {
        return sessions.values().stream().sorted(Comparator.comparing(LiveSession::startedAt)).toList();
    }

    /** The first event of every watch: the state now. */
    public WorkerEvent snapshot() {
        return new WorkerEvent.Snapshot(clock.instant(), view.state(), view.connection(), sessions());
    }

    @Override
    public void offerAnswered(OfferOutcome outcome, long latencyNanos) {
        metrics.offerAnswered(outcome, latencyNanos);
    }

    @Override
    public void sessionStarted(Session session, SessionLogContext context) {
        LiveSession live = new LiveSession(context, session, clock.instant(), System.nanoTime());
        metrics.sessionStarted(context.profile());
        events.publish(() -> sessions.put(context.sessionId(), live), new WorkerEvent.SessionStarted(live.startedAt(), live));
    }

    @Override
    public void sessionEnded(Session session, SessionLogContext context, EndReason reason, boolean succeeded, String error) {
        LiveSession live = sessions.get(context.sessionId());
        if (live == null) {
            return;
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - live.startedNanos());
        metrics.sessionEnded(context.profile(), reason, duration);
        events.publish(() -> sessions.remove(context.sessionId()),
                new WorkerEvent.SessionEnded(clock.instant(), live, reason, succeeded, error, duration));
    }

    @Override
    public void onTransition(LifecycleState from, LifecycleState to, String reason) {
        events.publish(new WorkerEvent.LifecycleChanged(clock.instant(), from, to, reason));
    }

    /** The agent connection registered, was lost, or gave up. */
    public void connectionChanged(AgentConnection.State state, String detail) {
        events.publish(new WorkerEvent.ConnectionChanged(clock.instant(), state, detail));
    }

    /** Ends every event stream (after the STOPPED event) and releases the metrics' JVM hooks. */
    @Override
    public void close() {
        events.close();
        metrics.close();
    }
}
