package dev.holdline.devserver.room;

import dev.holdline.devserver.ids.LiveKitIds;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import livekit.LivekitModels.Room;
import livekit.LivekitRoom.CreateRoomRequest;

/** Rooms by name, in creation order. Thread-safe; the room protos handed out are immutable. */
public final class RoomRegistry {
    /** LiveKit's defaults when a request leaves them at zero. */
    static final int DEFAULT_EMPTY_TIMEOUT_SECONDS = 300;
    static final int DEFAULT_DEPARTURE_TIMEOUT_SECONDS = 20;

    private final Clock clock;
    private final Map<String, Room> roomsByName = new LinkedHashMap<>();
    private final List<Consumer<Room>> removalListeners = new CopyOnWriteArrayList<>();

    public RoomRegistry(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The room, and whether this call created it. */
    public record Lookup(Room room, boolean created) {}

    /** Returns the named room, creating it from the request's settings if it does not exist (as LiveKit does). */
    public synchronized Lookup getOrCreate(CreateRoomRequest request) {
        Room existing = roomsByName.get(request.getName());
        if (existing != null) {
            return new Lookup(existing, false);
        }
        Instant now = clock.instant();
        Room room = Room.newBuilder()
                .setSid(LiveKitIds.newId(LiveKitIds.ROOM))
                .setName(request.getName())
                .setEmptyTimeout(orDefault(request.getEmptyTimeout(), DEFAULT_EMPTY_TIMEOUT_SECONDS))
                .setDepartureTimeout(orDefault(request.getDepartureTimeout(), DEFAULT_DEPARTURE_TIMEOUT_SECONDS))
                .setMaxParticipants(request.getMaxParticipants())
                .setMetadata(request.getMetadata())
                .setCreationTime(now.getEpochSecond())
                .setCreationTimeMs(now.toEpochMilli())
                .build();
        roomsByName.put(room.getName(), room);
        return new Lookup(room, true);
    }

    public Room getOrCreate(String name) {
        return getOrCreate(CreateRoomRequest.newBuilder().setName(name).build()).room();
    }

    public synchronized Optional<Room> find(String name) {
        return Optional.ofNullable(roomsByName.get(name));
    }

    /** All rooms when {@code names} is empty, else those with a matching name. */
    public synchronized List<Room> list(Collection<String> names) {
        List<Room> rooms = new ArrayList<>();
        for (Room room : roomsByName.values()) {
            if (names.isEmpty() || names.contains(room.getName())) {
                rooms.add(room);
            }
        }
        return rooms;
    }

    /**
     * Removes the room and then tells every removal listener (outside this registry's lock), so
     * that deleting a room also ends what lives in it (its participants).
     */
    public Optional<Room> remove(String name) {
        Room removed;
        synchronized (this) {
            removed = roomsByName.remove(name);
        }
        if (removed != null) {
            for (Consumer<Room> listener : removalListeners) {
                listener.accept(removed);
            }
        }
        return Optional.ofNullable(removed);
    }

    /** Called on the removing thread after a room was removed; keep it quick. */
    public void addRemovalListener(Consumer<Room> listener) {
        removalListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private static int orDefault(int value, int fallback) {
        return value == 0 ? fallback : value;
    }
}
