package dev.holdline.devserver.twirp;

import dev.holdline.devserver.rtc.RtcService;
import java.util.List;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRoom.ListParticipantsRequest;
import livekit.LivekitRoom.ListParticipantsResponse;
import livekit.LivekitRoom.RemoveParticipantResponse;
import livekit.LivekitRoom.RoomParticipantIdentity;

/**
 * The participant part of {@code livekit.RoomService} the dev server supports: ListParticipants,
 * GetParticipant and RemoveParticipant, each needing roomAdmin for that room, as in LiveKit.
 */
final class ParticipantMethods {
    private static final String SERVICE = "livekit.RoomService";

    private ParticipantMethods() {}

    static List<TwirpMethod<?>> of(RtcService rtc) {
        return List.of(
                new TwirpMethod<>(SERVICE, "ListParticipants", ListParticipantsRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            Permissions.requireRoomAdmin(caller, request.getRoom());
                            return ListParticipantsResponse.newBuilder()
                                    .addAllParticipants(rtc.participants(request.getRoom()))
                                    .build();
                        }),
                new TwirpMethod<>(SERVICE, "GetParticipant", RoomParticipantIdentity.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            Permissions.requireRoomAdmin(caller, request.getRoom());
                            return find(rtc, request);
                        }),
                new TwirpMethod<>(SERVICE, "RemoveParticipant", RoomParticipantIdentity.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            Permissions.requireRoomAdmin(caller, request.getRoom());
                            find(rtc, request);
                            rtc.removeParticipant(request.getRoom(), request.getIdentity());
                            return RemoveParticipantResponse.getDefaultInstance();
                        }));
    }

    private static ParticipantInfo find(RtcService rtc, RoomParticipantIdentity request) throws TwirpException {
        return rtc.participants(request.getRoom()).stream()
                .filter(p -> p.getIdentity().equals(request.getIdentity()))
                .findFirst()
                .orElseThrow(() -> TwirpException.notFound("participant '" + request.getIdentity()
                        + "' is not in room '" + request.getRoom() + "'"));
    }
}
