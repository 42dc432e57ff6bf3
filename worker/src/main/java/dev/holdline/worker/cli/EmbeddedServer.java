package dev.holdline.worker.cli;

/**
 * Starts a LiveKit-compatible server in-process for {@code dev} mode. The worker does not depend
 * on the dev server module; the application that has both (the examples jar) supplies this.
 */
@FunctionalInterface
public interface EmbeddedServer {

    /** Starts the server on {@code port} (0 picks a free one). */
    Started start(int port) throws Exception;

    /** A running server: where to reach it, the credentials it accepts, and how to stop it. */
    record Started(String url, String apiKey, String apiSecret, AutoCloseable handle) {
        @Override
        public String toString() {
            return "Started[url=" + url + ", apiKey=" + apiKey + "]";
        }
    }
}
