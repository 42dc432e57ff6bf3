package dev.holdline.worker.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One peer connection (LiveKit uses two per participant: publisher and subscriber) with its
 * offer/answer steps made blocking, for the room's single event-loop thread, and remote ICE
 * candidates held until the remote description is set (trickle can outrun the SDP).
 */
final class PeerTransport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SDP_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final RTCPeerConnection pc;
    private final List<RTCIceCandidate> pendingCandidates = new ArrayList<>();
    private boolean remoteSet;
    private boolean closed;

    PeerTransport(String name, RTCPeerConnection pc) {
        this.name = name;
        this.pc = pc;
    }

    RTCPeerConnection connection() {
        return pc;
    }

    String createOffer() throws IOException {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        callNative("create an offer", () -> pc.createOffer(new RTCOfferOptions(), sdpObserver(f)));
        return await(f, "create an offer").sdp;
    }

    String createAnswer() throws IOException {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        callNative("create an answer", () -> pc.createAnswer(new RTCAnswerOptions(), sdpObserver(f)));
        return await(f, "create an answer").sdp;
    }

    void setLocal(RTCSdpType type, String sdp) throws IOException {
        CompletableFuture<Void> f = new CompletableFuture<>();
        callNative("set the local " + type.name().toLowerCase(),
                () -> pc.setLocalDescription(new RTCSessionDescription(type, sdp), setObserver(f)));
        await(f, "set the local " + type.name().toLowerCase());
    }

    /** Sets the remote description, then applies any candidates that arrived before it. */
    void setRemote(RTCSdpType type, String sdp) throws IOException {
        CompletableFuture<Void> f = new CompletableFuture<>();
        callNative("set the remote " + type.name().toLowerCase(),
                () -> pc.setRemoteDescription(new RTCSessionDescription(type, sdp), setObserver(f)));
        await(f, "set the remote " + type.name().toLowerCase());
        remoteSet = true;
        List<RTCIceCandidate> held = List.copyOf(pendingCandidates);
        pendingCandidates.clear();
        for (RTCIceCandidate c : held) {
            callNative("add a remote ICE candidate", () -> pc.addIceCandidate(c));
        }
    }

    /** A candidate from the signal channel, as LiveKit sends it: RTCIceCandidateInit JSON. */
    void addRemoteCandidate(String candidateInitJson) throws IOException {
        RTCIceCandidate c = parseCandidate(candidateInitJson);
        if (remoteSet) {
            callNative("add a remote ICE candidate", () -> pc.addIceCandidate(c));
        } else {
            pendingCandidates.add(c);
        }
    }

    static RTCIceCandidate parseCandidate(String json) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("ICE candidate is not JSON: " + e.getMessage());
        }
        if (n == null || !n.hasNonNull("candidate")) {
            throw new IOException("ICE candidate JSON has no 'candidate' field");
        }
        String mid = n.hasNonNull("sdpMid") ? n.get("sdpMid").asText() : "0";
        int index = n.hasNonNull("sdpMLineIndex") ? n.get("sdpMLineIndex").asInt() : 0;
        return new RTCIceCandidate(mid, index, n.get("candidate").asText());
    }

    static String candidateJson(RTCIceCandidate c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("candidate", c.sdp);
        n.put("sdpMid", c.sdpMid);
        n.put("sdpMLineIndex", c.sdpMLineIndex);
        return n.toString();
    }

    /** Packets sent on outbound RTP streams so far (0 until media flows). */
    long packetsSent() throws IOException {
        CompletableFuture<Long> f = new CompletableFuture<>();
        pc.getStats(report -> {
            long sent = 0;
            for (RTCStats s : report.getStats().values()) {
                if (s.getType() == RTCStatsType.OUTBOUND_RTP) {
                    Object v = s.getAttributes().get("packetsSent");
                    if (v instanceof Number num) {
                        sent += num.longValue();
                    }
                }
            }
            f.complete(sent);
        });
        return await(f, "read stats");
    }

    void close() {
        if (!closed) {
            closed = true;
            pc.close();
        }
    }

    /**
     * webrtc-java reports a native refusal (SDP it cannot parse, a candidate it rejects) by
     * throwing {@link Error} from the call itself; that is bad input from the server, not a
     * broken JVM, so it becomes an IOException the room logs and survives.
     */
    private void callNative(String what, Runnable call) throws IOException {
        try {
            call.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Error e) {
            throw new IOException(name + " could not " + what + ": " + e.getMessage());
        }
    }

    private <T> T await(CompletableFuture<T> f, String what) throws IOException {
        try {
            return f.get(SDP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(name + " could not " + what + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IOException(name + " did not " + what + " within " + SDP_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(name + ": interrupted while trying to " + what);
        }
    }

    private static CreateSessionDescriptionObserver sdpObserver(CompletableFuture<RTCSessionDescription> f) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription d) {
                f.complete(d);
            }

            @Override
            public void onFailure(String error) {
                f.completeExceptionally(new IOException(error));
            }
        };
    }

    private static SetSessionDescriptionObserver setObserver(CompletableFuture<Void> f) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                f.complete(null);
            }

            @Override
            public void onFailure(String error) {
                f.completeExceptionally(new IOException(error));
            }
        };
    }
}
