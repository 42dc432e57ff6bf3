package dev.holdline.worker.telemetry;

import dev.holdline.lifecycle.DrainReport;
import dev.holdline.lifecycle.Lifecycle;
import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.lifecycle.protection.ProtectionStatus;
import dev.holdline.scheduler.Scheduler;
import dev.holdline.worker.platform.AwsIntegration;
import dev.holdline.worker.protocol.AgentConnection;
import dev.holdline.worker.session.SessionRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A read-only view of one worker for metrics scrapes and admin calls: every read goes to the
 * worker's own parts, so nothing here can drift from what the worker does.
 */
public final class WorkerView {
    /** One protection policy's state, with its kind ({@code task} or {@code instance}). */
    public record Protection(String kind, ProtectionStatus status) {
    }

    private final String agentName;
    private final String version;
    private final Lifecycle lifecycle;
    private final Scheduler scheduler;
    private final AgentConnection connection;
    private final SessionRuntime sessions;
    private final Supplier<AwsIntegration> aws;
    private final Instant createdAt = Instant.now();
    private volatile Optional<Duration> drainLimit = Optional.empty();

    public WorkerView(String agentName, String version, Lifecycle lifecycle, Scheduler scheduler,
                      AgentConnection connection, SessionRuntime sessions, Supplier<AwsIntegration> aws) {
        this.agentName = agentName;
        this.version = version;
        this.lifecycle = lifecycle;
        this.scheduler = scheduler;
        this.connection = connection;
        this.sessions = sessions;
        this.aws = aws;
    }

    public String agentName() {
        return agentName;
    }

    public String version() {
        return version;
    }

    /** Empty before the first registration. */
    public String workerId() {
        return connection.workerId();
    }

    public Instant createdAt() {
        return createdAt;
    }

    public LifecycleState state() {
        return lifecycle.state();
    }

    public AgentConnection.State connection() {
        return connection.state();
    }

    public int registrations() {
        return connection.registrations();
    }

    /** Reported {@code WS_FULL}: draining, at the load threshold, or out of slots. */
    public boolean full() {
        return scheduler.isFull();
    }

    public double load() {
        return scheduler.load();
    }

    /** {@code Double.POSITIVE_INFINITY} when there is none. */
    public double loadThreshold() {
        return scheduler.loadThreshold();
    }

    public int activeSessions() {
        return sessions.active();
    }

    public int reservedSessions() {
        return scheduler.reserved();
    }

    public int maxSessions() {
        return scheduler.maxSessions();
    }

    public Optional<DrainReport> drainReport() {
        return sessions.drainReport();
    }

    /** The cap on every session's drain deadline, from the drain's start; empty before a drain or when profiles alone decide. */
    public Optional<Duration> drainLimit() {
        return drainLimit;
    }

    /** Recorded by the worker when its drain starts. */
    public void drainStarted(Optional<Duration> limit) {
        this.drainLimit = limit;
    }

    /** Task protection always (its backend says {@code none} off ECS), instance protection when it is on. */
    public List<Protection> protection() {
        AwsIntegration a = aws.get();
        List<Protection> list = new ArrayList<>(2);
        list.add(new Protection("task", a.taskProtectionStatus()));
        a.instanceProtectionStatus().ifPresent(s -> list.add(new Protection("instance", s)));
        return list;
    }
}
