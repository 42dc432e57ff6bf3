package dev.holdline.devserver.rtc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.ParticipantUpdate;
import livekit.LivekitRtc.SignalResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The participants of one room and what they publish. Membership changes and every broadcast
 * happen under this room's lock, so each participant sees joins, leaves and track changes in one
 * consistent order (and its JoinResponse before anything else). Media work is posted to the
 * participants' own executors; nothing here waits for it.
 */
final class RtcRoom {
    private static final Logger log = LoggerFactory.getLogger(RtcRoom.class);

    private final Room room;
    private final RtcContext context;
    private final Runnable onEmpty;

    // Guarded by this.
    private final Map<String, Participant> participants = new LinkedHashMap<>();
    private final Map<String, PublishedAudio> tracks = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param onEmpty called (outside the lock) when the last participant has left
     */
    RtcRoom(Room room, RtcContext context, Runnable onEmpty) {
        this.room = room;
        this.context = context;
        this.onEmpty = onEmpty;
    }

    String name() {
        return room.getName();
    }

    Room room() {
        return room;
    }

    /**
     * Adds the participant: a participant with the same identity is replaced (it gets leave with
     * DUPLICATE_IDENTITY, as in LiveKit), the newcomer gets its JoinResponse, everyone else an
     * update, and the newcomer is subscribed to the tracks already published.
     *
     * @return false if the room was closed meanwhile (deleted); the caller then refuses the socket
     */
    boolean join(Participant newcomer) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            Participant previous = participants.get(newcomer.identity());
            if (previous != null) {
                removeLocked(previous, DisconnectReason.DUPLICATE_IDENTITY, true,
                        "replaced by a new connection with the same identity");
            }
            participants.put(newcomer.identity(), newcomer);
            newcomer.advanceTo(ParticipantInfo.State.JOINED);
            List<ParticipantInfo> others = new ArrayList<>();
            for (Participant other : participants.values()) {
                if (other != newcomer) {
                    others.add(other.info());
                }
            }
            newcomer.send(SignalResponse.newBuilder().setJoin(JoinResponse.newBuilder()
                            .setRoom(roomInfoLocked())
                            .setParticipant(newcomer.info())
                            .addAllOtherParticipants(others)
                            .setServerVersion(context.serverInfo().getVersion())
                            .setServerInfo(context.serverInfo())
                            // The server offers the subscriber connection first (with the data
                            // channels); clients wait for it to connect.
                            .setSubscriberPrimary(true)
                            .setPingInterval(context.settings().pingIntervalSeconds())
                            .setPingTimeout(context.settings().signalTimeoutSeconds()))
                    .build());
            broadcastLocked(newcomer.info(), newcomer);
            // Posted under the lock so that a track published concurrently is queued after start.
            newcomer.start();
            if (newcomer.subscribesAutomatically()) {
                tracks.values().forEach(newcomer::subscribe);
            }
        }
        ParticipantInfo info = newcomer.info();
        log.info("{} joined ({}, sdk '{}', protocol {}, from {})", newcomer, info.getKind(),
                newcomer.join().sdk(), newcomer.join().protocol(), newcomer.join().remote());
        context.events().publish(new RtcEvent.ParticipantJoined(name(), newcomer.identity(), newcomer.sid(),
                info.getKind()));
        return true;
    }

    /**
     * Removes a participant (once; later calls are no-ops): the others get an update with state
     * DISCONNECTED and stop receiving its tracks, then it is told (if {@code notify}) and torn down.
     */
    void leave(Participant leaving, DisconnectReason reason, boolean notify, String detail) {
        boolean empty;
        synchronized (this) {
            if (participants.get(leaving.identity()) != leaving) {
                return;
            }
            removeLocked(leaving, reason, notify, detail);
            empty = participants.isEmpty();
        }
        if (empty) {
            onEmpty.run();
        }
    }

    private void removeLocked(Participant leaving, DisconnectReason reason, boolean notify, String detail) {
        participants.remove(leaving.identity());
        List<String> gone = new ArrayList<>();
        tracks.values().removeIf(track -> {
            if (track.publisherSid().equals(leaving.sid())) {
                gone.add(track.trackSid());
                return true;
            }
            return false;
        });
        leaving.markDisconnected(reason);
        broadcastLocked(leaving.info(), null);
        for (Participant other : participants.values()) {
            gone.forEach(other::unsubscribe);
        }
        log.info("{} left: {} ({})", leaving, detail, reason);
        context.events().publish(new RtcEvent.ParticipantLeft(name(), leaving.identity(), leaving.sid(), reason, detail));
        leaving.terminate(notify ? reason : null, detail);
    }

    /** Deleting the room (or stopping the server): everyone gets leave with {@code reason}. */
    void close(DisconnectReason reason, String detail) {
        synchronized (this) {
            closed = true;
            for (Participant participant : List.copyOf(participants.values())) {
                removeLocked(participant, reason, true, detail);
            }
        }
    }

    /** The participant's media connected: it is ACTIVE now. */
    void activate(Participant participant) {
        synchronized (this) {
            if (participants.get(participant.identity()) == participant
                    && participant.advanceTo(ParticipantInfo.State.ACTIVE)) {
                broadcastLocked(participant.info(), null);
            }
        }
    }

    /** A published track's media arrived: announce it, then forward it to every auto-subscriber. */
    void publish(Participant publisher, PublishedAudio published) {
        synchronized (this) {
            if (participants.get(publisher.identity()) != publisher) {
                return;
            }
            tracks.put(published.trackSid(), published);
            publisher.putTrack(published.info());
            // The update must reach subscribers before the offer that carries the track.
            broadcastLocked(publisher.info(), null);
            // Posted under the lock, so an unpublish that follows is queued after these.
            for (Participant other : participants.values()) {
                if (other != publisher && other.subscribesAutomatically()) {
                    other.subscribe(published);
                }
            }
        }
        log.info("{} published audio track {} ('{}')", publisher, published.trackSid(), published.info().getName());
        context.events().publish(new RtcEvent.TrackPublished(name(), publisher.identity(), published.trackSid(),
                published.info().getName()));
    }

    void unpublish(Participant publisher, String trackSid) {
        synchronized (this) {
            PublishedAudio published = tracks.get(trackSid);
            if (published == null || !published.publisherSid().equals(publisher.sid())) {
                return;
            }
            tracks.remove(trackSid);
            publisher.removeTrack(trackSid);
            broadcastLocked(publisher.info(), null);
            for (Participant other : participants.values()) {
                other.unsubscribe(trackSid);
            }
        }
        log.info("{} unpublished track {}", publisher, trackSid);
        context.events().publish(new RtcEvent.TrackUnpublished(name(), publisher.identity(), trackSid));
    }

    void setMuted(Participant publisher, String trackSid, boolean muted) {
        synchronized (this) {
            if (publisher.setMuted(trackSid, muted)) {
                broadcastLocked(publisher.info(), null);
            }
        }
    }

    synchronized Optional<PublishedAudio> published(String trackSid) {
        return Optional.ofNullable(tracks.get(trackSid));
    }

    /**
     * Forwards a data packet to the other participants (only those it names, if it names any),
     * stamped with the sender's identity as LiveKit does.
     */
    void relayData(Participant sender, DataPacket packet, boolean reliable) {
        DataPacket.Builder stamped = packet.toBuilder()
                .setParticipantIdentity(sender.identity())
                .setParticipantSid(sender.sid());
        List<String> destinations = packet.getDestinationIdentitiesList();
        if (packet.hasUser()) {
            stamped.setUser(packet.getUser().toBuilder()
                    .setParticipantIdentity(sender.identity())
                    .setParticipantSid(sender.sid()));
            if (destinations.isEmpty()) {
                destinations = packet.getUser().getDestinationIdentitiesList();
            }
        }
        byte[] bytes = stamped.build().toByteArray();
        List<Participant> targets = new ArrayList<>();
        synchronized (this) {
            for (Participant other : participants.values()) {
                if (other != sender && (destinations.isEmpty() || destinations.contains(other.identity()))) {
                    targets.add(other);
                }
            }
        }
        for (Participant target : targets) {
            target.deliverData(reliable, bytes);
        }
    }

    synchronized List<Participant> participants() {
        return List.copyOf(participants.values());
    }

    synchronized boolean isEmpty() {
        return participants.isEmpty();
    }

    RoomView view() {
        List<ParticipantView> views = new ArrayList<>();
        for (Participant participant : participants()) {
            ParticipantInfo info = participant.info();
            views.add(new ParticipantView(info.getSid(), info.getIdentity(), info.getName(), info.getKind(),
                    info.getState(), info.getMetadata(), info.getAttributesMap(), participant.trackViews(),
                    participant.subscriptions()));
        }
        return new RoomView(room.getName(), room.getSid(), views);
    }

    private Room roomInfoLocked() {
        int publishers = (int) participants.values().stream().filter(p -> !p.trackViews().isEmpty()).count();
        return room.toBuilder()
                .setNumParticipants(participants.size())
                .setNumPublishers(publishers)
                .build();
    }

    /** Sends an update about {@code about} to everyone in the room except {@code except}. */
    private void broadcastLocked(ParticipantInfo about, Participant except) {
        SignalResponse update = SignalResponse.newBuilder()
                .setUpdate(ParticipantUpdate.newBuilder().addParticipants(about))
                .build();
        for (Participant participant : participants.values()) {
            if (participant != except) {
                participant.send(update);
            }
        }
    }
}
