package dev.holdline.worker.room;

import java.util.Map;
import livekit.LivekitModels.ParticipantInfo;

/** Another participant in the room, as the server last described it. */
public record Participant(String sid, String identity, String name, Kind kind, String metadata,
                          Map<String, String> attributes) {

    /** What kind of participant this is; callers are {@code STANDARD} (an app) or {@code SIP} (a phone). */
    public enum Kind {
        STANDARD, INGRESS, EGRESS, SIP, AGENT, OTHER
    }

    public Participant {
        attributes = Map.copyOf(attributes);
    }

    /** True for someone a voice agent talks to: not another agent, not a recorder or ingress. */
    public boolean isCaller() {
        return kind == Kind.STANDARD || kind == Kind.SIP;
    }

    static Participant from(ParticipantInfo info) {
        Kind kind = switch (info.getKind()) {
            case STANDARD -> Kind.STANDARD;
            case INGRESS -> Kind.INGRESS;
            case EGRESS -> Kind.EGRESS;
            case SIP -> Kind.SIP;
            case AGENT -> Kind.AGENT;
            default -> Kind.OTHER;
        };
        return new Participant(info.getSid(), info.getIdentity(), info.getName(), kind, info.getMetadata(),
                info.getAttributesMap());
    }
}
