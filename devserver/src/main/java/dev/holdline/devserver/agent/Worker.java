package dev.holdline.devserver.agent;

import java.util.Objects;
import livekit.LivekitAgent.JobType;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitModels.ParticipantPermission;

/**
 * A registered worker: what it declared in its {@code RegisterWorkerRequest}, the status and load
 * it last reported, and the connection to reach it. Status fields are written by the worker's
 * socket thread and read by the dispatcher, hence volatile; a worker never changes connection
 * (a reconnecting worker registers again and gets a new id).
 */
final class Worker {
    private final String id;
    private final String agentName;
    private final JobType jobType;
    private final String version;
    private final String namespace;
    private final ParticipantPermission allowedPermissions;
    private final AgentConnection connection;

    private volatile WorkerStatus status = WorkerStatus.WS_AVAILABLE;
    private volatile float load;
    private volatile int jobCount;
    private volatile boolean connected = true;

    Worker(String id, RegisterWorkerRequest registration, AgentConnection connection) {
        this.id = Objects.requireNonNull(id, "id");
        this.agentName = registration.getAgentName();
        this.jobType = registration.getType();
        this.version = registration.getVersion();
        this.namespace = registration.getNamespace();
        this.allowedPermissions = registration.getAllowedPermissions();
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    String id() {
        return id;
    }

    String agentName() {
        return agentName;
    }

    JobType jobType() {
        return jobType;
    }

    String version() {
        return version;
    }

    String namespace() {
        return namespace;
    }

    ParticipantPermission allowedPermissions() {
        return allowedPermissions;
    }

    String remote() {
        return connection.remote();
    }

    WorkerStatus status() {
        return status;
    }

    float load() {
        return load;
    }

    boolean isConnected() {
        return connected;
    }

    /** Applies an {@code UpdateWorkerStatus}; a null status (field absent) keeps the previous one. */
    void updateStatus(WorkerStatus newStatus, float newLoad, int newJobCount) {
        if (newStatus != null) {
            status = newStatus;
        }
        load = newLoad;
        jobCount = newJobCount;
    }

    void markDisconnected() {
        connected = false;
    }

    /**
     * Whether a job of this agent name and type may be offered to this worker now. A worker that
     * says {@code WS_FULL} is never offered anything: some official workers still answer
     * {@code available=true} while full. {@code ignoreStatus} is the test switch that imitates a
     * server routing before it has seen the worker's latest status.
     */
    boolean canBeOffered(String jobAgentName, JobType type, boolean ignoreStatus) {
        return connected && (ignoreStatus || status == WorkerStatus.WS_AVAILABLE)
                && agentName.equals(jobAgentName) && jobType == type;
    }

    /** @return false if the socket is already closed */
    boolean send(ServerMessage message) {
        return connection.sendBinary(message.toByteArray());
    }

    AgentConnection connection() {
        return connection;
    }

    WorkerView view() {
        return new WorkerView(id, agentName, status, load, jobCount, connected);
    }

    @Override
    public String toString() {
        return id + " (agent '" + agentName + "', " + connection.remote() + ")";
    }
}
