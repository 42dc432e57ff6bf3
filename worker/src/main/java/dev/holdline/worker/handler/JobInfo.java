package dev.holdline.worker.handler;

import java.util.Map;
import java.util.Objects;

/**
 * The job as the server described it.
 *
 * @param id                   job id ({@code AJ_…})
 * @param dispatchId           the dispatch that created it, empty for automatic dispatch
 * @param type                 room, publisher or participant job
 * @param roomName             the room the agent joins
 * @param roomSid              the room's server id
 * @param agentName            the agent name it was dispatched to
 * @param metadata             dispatch metadata, verbatim (often JSON); empty when none
 * @param participantIdentity  for publisher/participant jobs, the participant concerned; else empty
 * @param participantAttributes that participant's attributes; else empty
 */
public record JobInfo(String id, String dispatchId, JobType type, String roomName, String roomSid,
                      String agentName, String metadata, String participantIdentity,
                      Map<String, String> participantAttributes) {
    public JobInfo {
        Objects.requireNonNull(id, "id");
        dispatchId = Objects.requireNonNullElse(dispatchId, "");
        type = Objects.requireNonNullElse(type, JobType.ROOM);
        roomName = Objects.requireNonNullElse(roomName, "");
        roomSid = Objects.requireNonNullElse(roomSid, "");
        agentName = Objects.requireNonNullElse(agentName, "");
        metadata = Objects.requireNonNullElse(metadata, "");
        participantIdentity = Objects.requireNonNullElse(participantIdentity, "");
        participantAttributes = Map.copyOf(Objects.requireNonNullElse(participantAttributes, Map.of()));
    }
}
