package dev.holdline.worker.protocol;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Turns a LiveKit URL into one of its WebSocket endpoints: http→ws, https→wss, path +
 * {@code agent} (workers) or {@code rtc} (room signaling).
 */
public final class AgentUrls {
    private AgentUrls() {
    }

    public static URI agentEndpoint(String livekitUrl) {
        return endpoint(livekitUrl, "agent");
    }

    /** {@code livekitUrl} as a WebSocket URL with {@code name} appended to its path. */
    public static URI endpoint(String livekitUrl, String name) {
        URI base;
        try {
            base = new URI(livekitUrl.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("LiveKit URL '" + livekitUrl + "' is not a URL: " + e.getMessage());
        }
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase();
        String ws = switch (scheme) {
            case "http", "ws" -> "ws";
            case "https", "wss" -> "wss";
            default -> throw new IllegalArgumentException("LiveKit URL '" + livekitUrl
                    + "' must start with ws://, wss://, http:// or https://");
        };
        if (base.getHost() == null) {
            throw new IllegalArgumentException("LiveKit URL '" + livekitUrl + "' has no host");
        }
        String path = base.getPath() == null ? "" : base.getPath();
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        try {
            return new URI(ws, null, base.getHost(), base.getPort(), path + name, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("LiveKit URL '" + livekitUrl + "': " + e.getMessage(), e);
        }
    }
}
