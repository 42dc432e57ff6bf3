package dev.holdline.worker.host;

import com.google.protobuf.Timestamp;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.handler.JobType;
import dev.holdline.worker.host.v1.Job;
import dev.holdline.worker.host.v1.Profile;
import java.time.Duration;
import java.time.Instant;

/** Between the host link's messages and the runtime's own types, both ways. */
final class HostProtos {
    private HostProtos() {
    }

    static Job job(JobInfo j) {
        return Job.newBuilder().setId(j.id()).setDispatchId(j.dispatchId())
                .setType(switch (j.type()) {
                    case ROOM -> dev.holdline.worker.host.v1.JobType.JOB_TYPE_ROOM;
                    case PUBLISHER -> dev.holdline.worker.host.v1.JobType.JOB_TYPE_PUBLISHER;
                    case PARTICIPANT -> dev.holdline.worker.host.v1.JobType.JOB_TYPE_PARTICIPANT;
                })
                .setRoomName(j.roomName()).setRoomSid(j.roomSid()).setAgentName(j.agentName())
                .setMetadata(j.metadata()).setParticipantIdentity(j.participantIdentity())
                .putAllParticipantAttributes(j.participantAttributes()).build();
    }

    static JobInfo job(Job j) {
        JobType type = switch (j.getType()) {
            case JOB_TYPE_PUBLISHER -> JobType.PUBLISHER;
            case JOB_TYPE_PARTICIPANT -> JobType.PARTICIPANT;
            default -> JobType.ROOM;
        };
        return new JobInfo(j.getId(), j.getDispatchId(), type, j.getRoomName(), j.getRoomSid(), j.getAgentName(),
                j.getMetadata(), j.getParticipantIdentity(), j.getParticipantAttributesMap());
    }

    static Profile profile(CallProfile p) {
        return Profile.newBuilder().setName(p.name()).setDrainTimeout(duration(p.drainTimeout()))
                .setWrapUpNotice(duration(p.wrapUpNotice())).build();
    }

    static CallProfile profile(Profile p) {
        return new CallProfile(p.getName(), duration(p.getDrainTimeout()), duration(p.getWrapUpNotice()));
    }

    static dev.holdline.worker.host.v1.EndReason reason(EndReason r) {
        return dev.holdline.worker.host.v1.EndReason.valueOf(r.name());
    }

    static EndReason reason(dev.holdline.worker.host.v1.EndReason r) {
        return r == dev.holdline.worker.host.v1.EndReason.END_REASON_UNSPECIFIED
                || r == dev.holdline.worker.host.v1.EndReason.UNRECOGNIZED ? EndReason.HANDLER_FAILED : EndReason.valueOf(r.name());
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
