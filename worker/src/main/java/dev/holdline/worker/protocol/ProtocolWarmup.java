package dev.holdline.worker.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobAssignment;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateJobStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitModels;

/**
 * Runs the offer path's protobuf code once at start-up. LiveKit's descriptors are large and
 * built lazily; without this the first offers after a start pay ~100 ms of class loading and
 * descriptor building, and offers that arrive in a burst queue behind them.
 */
public final class ProtocolWarmup {
    private ProtocolWarmup() {
    }

    public static void run() {
        try {
            ServerMessage offer = ServerMessage.newBuilder().setAvailability(AvailabilityRequest.newBuilder()
                    .setJob(LivekitAgent.Job.newBuilder().setId("AJ_warmup").setAgentName("warmup")
                            .setRoom(LivekitModels.Room.newBuilder().setName("warmup")))).build();
            ServerMessage.parseFrom(offer.toByteArray());
            ServerMessage assignment = ServerMessage.newBuilder().setAssignment(JobAssignment.newBuilder()
                    .setJob(offer.getAvailability().getJob()).setToken("t")).build();
            ServerMessage.parseFrom(assignment.toByteArray());
            WorkerMessage answer = WorkerMessage.newBuilder().setAvailability(AvailabilityResponse.newBuilder()
                    .setJobId("AJ_warmup").setAvailable(true).setParticipantIdentity("agent-AJ_warmup")
                    .putParticipantAttributes("lk.agent.name", "warmup")).build();
            answer.toByteArray();
            WorkerMessage.newBuilder().setUpdateJob(UpdateJobStatus.newBuilder().setJobId("AJ_warmup")
                    .setStatus(LivekitAgent.JobStatus.JS_RUNNING)).build().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("protobuf runtime cannot round-trip LiveKit messages", e);
        }
    }
}
