package dev.holdline.devserver.rtc;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads which local track id a publisher put in each media section of its offer ({@code a=mid} and
 * {@code a=msid:<stream> <track>}). The track id is the {@code cid} the client sent in
 * {@code add_track}, so this ties an incoming track to its pending publication.
 */
final class SdpTracks {
    private SdpTracks() {}

    /** mid → track id, for the media sections that carry an msid. */
    static Map<String, String> trackIdsByMid(String sdp) {
        Map<String, String> result = new HashMap<>();
        String mid = null;
        String trackId = null;
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("m=")) {
                put(result, mid, trackId);
                mid = null;
                trackId = null;
            } else if (line.startsWith("a=mid:")) {
                mid = line.substring("a=mid:".length()).strip();
            } else if (line.startsWith("a=msid:")) {
                String[] parts = line.substring("a=msid:".length()).strip().split("\\s+");
                if (parts.length >= 2) {
                    trackId = parts[1];
                }
            }
        }
        put(result, mid, trackId);
        return result;
    }

    private static void put(Map<String, String> result, String mid, String trackId) {
        if (mid != null && trackId != null) {
            result.put(mid, trackId);
        }
    }
}
