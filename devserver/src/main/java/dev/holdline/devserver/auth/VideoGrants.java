package dev.holdline.devserver.auth;

import java.util.Map;

/**
 * The part of LiveKit's {@code video} claim the dev server acts on. Absent booleans are false and
 * an absent room is empty, as in LiveKit.
 */
public record VideoGrants(
        boolean roomJoin,
        String room,
        boolean roomCreate,
        boolean roomList,
        boolean roomAdmin,
        boolean agent,
        boolean canPublish,
        boolean canSubscribe,
        boolean canPublishData) {

    public static final VideoGrants NONE =
            new VideoGrants(false, "", false, false, false, false, false, false, false);

    /** Reads the decoded JSON object of a {@code video} claim; {@code null} means no grants. */
    public static VideoGrants fromClaim(Map<String, Object> video) {
        if (video == null) {
            return NONE;
        }
        return new VideoGrants(
                flag(video, "roomJoin"),
                video.get("room") instanceof String room ? room : "",
                flag(video, "roomCreate"),
                flag(video, "roomList"),
                flag(video, "roomAdmin"),
                flag(video, "agent"),
                flag(video, "canPublish"),
                flag(video, "canSubscribe"),
                flag(video, "canPublishData"));
    }

    private static boolean flag(Map<String, Object> video, String name) {
        return Boolean.TRUE.equals(video.get(name));
    }
}
