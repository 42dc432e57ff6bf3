package dev.holdline.devserver.twirp;

import dev.holdline.devserver.agent.DispatchService;
import java.util.List;
import livekit.LivekitAgentDispatch.CreateAgentDispatchRequest;
import livekit.LivekitAgentDispatch.DeleteAgentDispatchRequest;
import livekit.LivekitAgentDispatch.ListAgentDispatchRequest;
import livekit.LivekitAgentDispatch.ListAgentDispatchResponse;

/** {@code livekit.AgentDispatchService}: every call needs roomAdmin for the request's room. */
final class AgentDispatchMethods {
    private static final String SERVICE = "livekit.AgentDispatchService";

    private AgentDispatchMethods() {}

    static List<TwirpMethod<?>> of(DispatchService dispatches) {
        return List.of(
                new TwirpMethod<>(SERVICE, "CreateDispatch", CreateAgentDispatchRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            Permissions.requireRoomAdmin(caller, request.getRoom());
                            return dispatches.create(request.getRoom(), request.getAgentName(), request.getMetadata());
                        }),
                new TwirpMethod<>(SERVICE, "ListDispatch", ListAgentDispatchRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            Permissions.requireRoomAdmin(caller, request.getRoom());
                            return ListAgentDispatchResponse.newBuilder()
                                    .addAllAgentDispatches(dispatches.list(request.getRoom(), request.getDispatchId()))
                                    .build();
                        }),
                new TwirpMethod<>(SERVICE, "DeleteDispatch", DeleteAgentDispatchRequest.getDefaultInstance(),
                        (caller, request) -> {
                            Permissions.requireNonEmpty(request.getRoom(), "room");
                            Permissions.requireNonEmpty(request.getDispatchId(), "dispatch_id");
                            Permissions.requireRoomAdmin(caller, request.getRoom());
                            return dispatches.delete(request.getDispatchId(), request.getRoom())
                                    .orElseThrow(() -> TwirpException.notFound("dispatch '" + request.getDispatchId()
                                            + "' not found in room '" + request.getRoom() + "'"));
                        }));
    }
}
