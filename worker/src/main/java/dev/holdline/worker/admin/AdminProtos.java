package dev.holdline.worker.admin;

import com.google.protobuf.Timestamp;
import dev.holdline.lifecycle.DrainReport;
import dev.holdline.worker.admin.v1.ConnectionChanged;
import dev.holdline.worker.admin.v1.ConnectionState;
import dev.holdline.worker.admin.v1.DrainProgress;
import dev.holdline.worker.admin.v1.EndReason;
import dev.holdline.worker.admin.v1.Event;
import dev.holdline.worker.admin.v1.LifecycleChanged;
import dev.holdline.worker.admin.v1.LifecycleState;
import dev.holdline.worker.admin.v1.Protection;
import dev.holdline.worker.admin.v1.SessionEnded;
import dev.holdline.worker.admin.v1.SessionInfo;
import dev.holdline.worker.admin.v1.SessionStarted;
import dev.holdline.worker.admin.v1.Snapshot;
import dev.holdline.worker.admin.v1.StatusResponse;
import dev.holdline.worker.admin.v1.WorkerStatus;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.protocol.AgentConnection;
import dev.holdline.worker.telemetry.LiveSession;
import dev.holdline.worker.telemetry.WorkerEvent;
import dev.holdline.worker.telemetry.WorkerView;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The worker's types as the admin API's messages. */
final class AdminProtos {
    private AdminProtos() {
    }

    static StatusResponse status(WorkerView w) {
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setAgentName(w.agentName())
                .setWorkerId(w.workerId())
                .setVersion(w.version())
                .setState(state(w.state()))
                .setConnection(connection(w.connection()))
                .setStatus(w.full() ? WorkerStatus.FULL : WorkerStatus.AVAILABLE)
                .setLoad(w.load())
                .setActiveSessions(w.activeSessions())
                .setReservedSessions(w.reservedSessions())
                .setMaxSessions(w.maxSessions())
                .setRegistrations(w.registrations())
                .setStartedAt(timestamp(w.createdAt()));
        if (w.loadThreshold() != Double.POSITIVE_INFINITY) {
            b.setLoadThreshold(w.loadThreshold());
        }
        w.drainReport().ifPresent(r -> b.setDrain(drain(r, w.drainLimit())));
        for (WorkerView.Protection p : w.protection()) {
            Protection.Builder pb = Protection.newBuilder().setKind(p.kind()).setBackend(p.status().backend())
                    .setWanted(p.status().wanted()).setEnabled(p.status().enabled())
                    .setLastError(p.status().lastError().orElse(""));
            p.status().expiresAt().ifPresent(t -> pb.setExpiresAt(timestamp(t)));
            b.addProtection(pb);
        }
        return b.build();
    }

    static DrainProgress drain(DrainReport r, Optional<Duration> limit) {
        DrainProgress.Builder b = DrainProgress.newBuilder().setSessionsAtStart(r.sessionsAtStart())
                .setFinished(r.finished()).setEndedAtDeadline(r.endedAtDeadline()).setElapsed(duration(r.duration()));
        limit.ifPresent(l -> b.setLimit(duration(l)));
        return b.build();
    }

    static SessionInfo session(LiveSession s) {
        JobInfo job = s.job();
        SessionInfo.Builder b = SessionInfo.newBuilder()
                .setJobId(job.id())
                .setSessionId(s.sessionId())
                .setRoomName(job.roomName())
                .setRoomSid(job.roomSid())
                .setDispatchId(job.dispatchId())
                .setAgentName(job.agentName())
                .setParticipantIdentity(s.participantIdentity())
                .setProfile(s.profile())
                .setStartedAt(timestamp(s.startedAt()))
                .setEnding(s.ending());
        s.drainDeadline().ifPresent(d -> b.setDrainDeadline(timestamp(d)));
        return b.build();
    }

    static Event event(WorkerEvent e) {
        Event.Builder b = Event.newBuilder().setTime(timestamp(e.time()));
        switch (e) {
            case WorkerEvent.Snapshot s -> {
                Snapshot.Builder sb = Snapshot.newBuilder().setState(state(s.state())).setConnection(connection(s.connection()));
                s.sessions().forEach(x -> sb.addSessions(session(x)));
                b.setSnapshot(sb);
            }
            case WorkerEvent.LifecycleChanged l -> b.setLifecycle(LifecycleChanged.newBuilder()
                    .setFrom(state(l.from())).setTo(state(l.to())).setReason(l.reason()));
            case WorkerEvent.ConnectionChanged c -> b.setConnection(ConnectionChanged.newBuilder()
                    .setState(connection(c.state())).setDetail(c.detail()));
            case WorkerEvent.SessionStarted s -> b.setSessionStarted(SessionStarted.newBuilder().setSession(session(s.session())));
            case WorkerEvent.SessionEnded s -> b.setSessionEnded(SessionEnded.newBuilder().setSession(session(s.session()))
                    .setReason(EndReason.valueOf(s.reason().name())).setSucceeded(s.succeeded())
                    .setError(s.error()).setDuration(duration(s.duration())));
        }
        return b.build();
    }

    static LifecycleState state(dev.holdline.lifecycle.LifecycleState s) {
        return LifecycleState.valueOf(s.name());
    }

    static ConnectionState connection(AgentConnection.State s) {
        return ConnectionState.valueOf(s.name());
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
