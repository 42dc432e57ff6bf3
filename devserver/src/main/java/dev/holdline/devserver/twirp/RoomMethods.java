package dev.holdline.devserver.twirp;

import dev.holdline.devserver.agent.DispatchService;
import dev.holdline.devserver.room.RoomRegistry;
import java.util.List;
import livekit.LivekitRoom.CreateRoomRequest;
import livekit.LivekitRoom.DeleteRoomRequest;
import livekit.LivekitRoom.DeleteRoomResponse;
import livekit.LivekitRoom.ListRoomsRequest;
import livekit.LivekitRoom.ListRoomsResponse;

/**
 * The room part of {@code livekit.RoomService} the dev server supports: CreateRoom and DeleteRoom
 * need roomCreate, ListRooms needs roomList. Participant methods are in {@link ParticipantMethods}.
 */
final class RoomMethods {
    private static final String SERVICE = "livekit.RoomService";

    private RoomMethods() {}

    static List<TwirpMethod<?>> of(RoomRegistry rooms, DispatchService dispatches) {
        return List.of(
                new TwirpMethod<>(SERVICE, "CreateRoom", CreateRoomRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireRoomCreate(caller);
                            Permissions.requireNonEmpty(request.getName(), "name");
                            return dispatches.createRoom(request);
                        }),
                new TwirpMethod<>(SERVICE, "ListRooms", ListRoomsRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireRoomList(caller);
                            return ListRoomsResponse.newBuilder()
                                    .addAllRooms(rooms.list(request.getNamesList()))
                                    .build();
                        }),
                new TwirpMethod<>(SERVICE, "DeleteRoom", DeleteRoomRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireRoomCreate(caller);
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            if (!dispatches.deleteRoom(request.getRoom())) {
                                throw TwirpException.notFound("room '" + request.getRoom() + "' not found");
                            }
                            return DeleteRoomResponse.getDefaultInstance();
                        }));
    }
}
