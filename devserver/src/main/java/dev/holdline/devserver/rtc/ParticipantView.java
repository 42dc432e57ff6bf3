package dev.holdline.devserver.rtc;

import java.util.List;
import java.util.Map;
import livekit.LivekitModels.ParticipantInfo;

/**
 * A snapshot of one participant.
 *
 * @param tracks the tracks it publishes whose media reached the server
 * @param subscriptions the tracks of others the server forwards to it
 */
public record ParticipantView(
        String sid,
        String identity,
        String name,
        ParticipantInfo.Kind kind,
        ParticipantInfo.State state,
        String metadata,
        Map<String, String> attributes,
        List<TrackView> tracks,
        List<SubscriptionView> subscriptions) {

    public ParticipantView {
        attributes = Map.copyOf(attributes);
        tracks = List.copyOf(tracks);
        subscriptions = List.copyOf(subscriptions);
    }

    /** A published track. */
    public record TrackView(String sid, String name, livekit.LivekitModels.TrackType type,
            livekit.LivekitModels.TrackSource source, boolean muted) {}

    /**
     * A track forwarded to this participant.
     *
     * @param framesForwarded 10 ms frames pushed into the subscriber's connection so far
     * @param underruns pacer ticks that found no frame from the publisher
     * @param framesDropped frames dropped to keep the queue short (latency bound)
     */
    public record SubscriptionView(String trackSid, String publisherIdentity, long framesForwarded,
            long underruns, long framesDropped) {}
}
