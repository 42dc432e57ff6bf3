package dev.holdline.worker.doctor;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.holdline.worker.protocol.AgentTokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.JobType;
import livekit.LivekitAgent.RegisterWorkerRequest;
import livekit.LivekitAgent.RegisterWorkerResponse;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;

/**
 * A real agent connection: the WebSocket upgrade on {@code /agent} with a fresh agent token, a
 * registration, then a clean close (1000). It registers under an agent name nobody dispatches to
 * ({@code holdline-doctor-…}) and declines any offer, so it never takes a call.
 */
final class AgentProbe {
    static final String UPGRADE = "websocket";
    static final String TOKEN = "agent-token";

    private AgentProbe() {
    }

    static List<Finding> run(URI endpoint, String apiKey, String apiSecret, Duration timeout) {
        Listener listener = new Listener();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            WebSocket ws;
            try {
                ws = http.newWebSocketBuilder()
                        .header("Authorization", "Bearer " + AgentTokens.mint(apiKey, apiSecret))
                        .connectTimeout(timeout)
                        .buildAsync(endpoint, listener)
                        .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                return handshakeFailed(endpoint, apiKey, timeout, e.getCause());
            } catch (TimeoutException e) {
                return List.of(Finding.fail(UPGRADE, "no WebSocket answer on " + endpoint + " within " + timeout.toMillis()
                        + " ms. Fix: check that proxies between here and LiveKit pass WebSocket upgrades."),
                        Finding.skip(TOKEN, "needs the WebSocket."));
            }
            Finding upgraded = Finding.pass(UPGRADE, "GET " + endpoint.getPath() + " was upgraded (101 Switching Protocols).");
            return List.of(upgraded, register(ws, listener, apiKey, timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(Finding.fail(UPGRADE, "interrupted"));
        }
    }

    private static Finding register(WebSocket ws, Listener listener, String apiKey, Duration timeout) throws InterruptedException {
        String agentName = "holdline-doctor-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        RegisterWorkerRequest register = RegisterWorkerRequest.newBuilder().setType(JobType.JT_ROOM)
                .setAgentName(agentName).setVersion("holdline-doctor").build();
        try {
            ws.sendBinary(ByteBuffer.wrap(WorkerMessage.newBuilder().setRegister(register).build().toByteArray()), true)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            RegisterWorkerResponse r = listener.registered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            String server = r.hasServerInfo() ? " (server " + r.getServerInfo().getEdition() + " " + r.getServerInfo().getVersion()
                    + (r.getServerInfo().getRegion().isEmpty() ? "" : ", region " + r.getServerInfo().getRegion()) + ")" : "";
            boolean closedCleanly = close(ws, listener, timeout);
            return Finding.pass(TOKEN, "the agent token for API key '" + apiKey + "' was accepted: registered as worker "
                    + r.getWorkerId() + server + ", then disconnected" + (closedCleanly ? " cleanly." : " (the server did not"
                    + " answer the close frame)."));
        } catch (ExecutionException e) {
            ws.abort();
            return Finding.fail(TOKEN, "the connection closed before LiveKit answered the registration ("
                    + HttpProbe.describe(e.getCause()) + "). Fix: check LiveKit's logs for why it dropped the worker.");
        } catch (TimeoutException e) {
            ws.abort();
            return Finding.fail(TOKEN, "LiveKit accepted the socket but did not answer the registration within "
                    + timeout.toMillis() + " ms. Fix: check that LIVEKIT_URL points at a LiveKit server (not another"
                    + " WebSocket service), and its logs.");
        }
    }

    private static boolean close(WebSocket ws, Listener listener, Duration timeout) throws InterruptedException {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "holdline doctor done").get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            listener.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            ws.abort();
            return false;
        }
    }

    private static List<Finding> handshakeFailed(URI endpoint, String apiKey, Duration timeout, Throwable cause) {
        if (cause instanceof WebSocketHandshakeException h && h.getResponse() != null) {
            int status = h.getResponse().statusCode();
            String body = h.getResponse().body() == null ? "" : String.valueOf(h.getResponse().body()).strip();
            if (body.length() > 200) {
                body = body.substring(0, 200) + "…";
            }
            String answered = "HTTP " + status + (body.isEmpty() ? "" : ": " + body);
            if (status == 401 || status == 403) {
                return List.of(Finding.skip(UPGRADE, "not verified: the server refused the token before upgrading (see "
                                + TOKEN + ")."),
                        Finding.fail(TOKEN, "LiveKit rejected the agent token for API key '" + apiKey + "' (" + answered
                                + "). Fix: LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be a key pair the server has (its"
                                + " `keys:` setting), and this host's clock must be right (see " + ClockSkew.CHECK + ")."));
            }
            return List.of(Finding.fail(UPGRADE, "GET " + endpoint.getPath() + " was answered " + answered
                            + " instead of 101 Switching Protocols: a proxy or load balancer in front of LiveKit does not pass"
                            + " WebSocket upgrades, or LIVEKIT_URL points elsewhere. Fix: forward the Upgrade and Connection headers"
                            + " (nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header"
                            + " Connection \"upgrade\"), or use LiveKit's own address."),
                    Finding.skip(TOKEN, "needs the WebSocket."));
        }
        return List.of(Finding.fail(UPGRADE, "the WebSocket to " + endpoint + " failed: "
                        + HttpProbe.unreachable(endpoint, timeout, cause)),
                Finding.skip(TOKEN, "needs the WebSocket."));
    }

    /** Gathers binary frames into server messages; declines offers; notes the registration and the close. */
    private static final class Listener implements WebSocket.Listener {
        final CompletableFuture<RegisterWorkerResponse> registered = new CompletableFuture<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            pending.writeBytes(chunk);
            if (last) {
                byte[] frame = pending.toByteArray();
                pending.reset();
                try {
                    ServerMessage m = ServerMessage.parseFrom(frame);
                    if (m.hasRegister()) {
                        registered.complete(m.getRegister());
                    } else if (m.hasAvailability()) {
                        ws.sendBinary(ByteBuffer.wrap(WorkerMessage.newBuilder().setAvailability(AvailabilityResponse.newBuilder()
                                .setJobId(m.getAvailability().getJob().getId()).setAvailable(false)).build().toByteArray()), true);
                    }
                } catch (InvalidProtocolBufferException e) {
                    registered.completeExceptionally(new IOException("the server sent a frame that is not a LiveKit ServerMessage"));
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            registered.completeExceptionally(new IOException("closed with " + statusCode + (reason.isEmpty() ? "" : " " + reason)));
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            registered.completeExceptionally(error);
            closed.completeExceptionally(error);
        }
    }
}
