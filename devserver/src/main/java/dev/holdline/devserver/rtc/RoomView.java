package dev.holdline.devserver.rtc;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a room with participants connected over {@code /rtc}.
 *
 * @param participants in join order
 */
public record RoomView(String name, String sid, List<ParticipantView> participants) {
    public RoomView {
        participants = List.copyOf(participants);
    }

    public Optional<ParticipantView> participant(String identity) {
        return participants.stream().filter(p -> p.identity().equals(identity)).findFirst();
    }

    public List<String> identities() {
        return participants.stream().map(ParticipantView::identity).toList();
    }
}
