package dev.holdline.devserver.rtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.util.concurrent.CompletableFuture;

/**
 * webrtc-java's offer/answer calls as futures. Their observers run on the factory's signaling
 * thread; callers continue with {@code ...Async(..., executor)} so no work happens there.
 *
 * <p>webrtc-java reports an SDP it cannot parse by throwing {@code java.lang.Error} from the call
 * itself, so the calls catch that too and fail the future with its message.
 */
final class SessionDescriptions {
    private SessionDescriptions() {}

    /** Why a description step failed, in libwebrtc's words. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    static CompletableFuture<RTCSessionDescription> createOffer(RTCPeerConnection pc) {
        CompletableFuture<RTCSessionDescription> result = new CompletableFuture<>();
        try {
            pc.createOffer(new RTCOfferOptions(), observer(result));
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(new Failure(String.valueOf(e.getMessage())));
        }
        return result;
    }

    static CompletableFuture<RTCSessionDescription> createAnswer(RTCPeerConnection pc) {
        CompletableFuture<RTCSessionDescription> result = new CompletableFuture<>();
        try {
            pc.createAnswer(new RTCAnswerOptions(), observer(result));
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(new Failure(String.valueOf(e.getMessage())));
        }
        return result;
    }

    static CompletableFuture<Void> setLocal(RTCPeerConnection pc, RTCSessionDescription description) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            pc.setLocalDescription(description, setObserver(result));
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(new Failure(String.valueOf(e.getMessage())));
        }
        return result;
    }

    static CompletableFuture<Void> setRemote(RTCPeerConnection pc, RTCSessionDescription description) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            pc.setRemoteDescription(description, setObserver(result));
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(new Failure(String.valueOf(e.getMessage())));
        }
        return result;
    }

    /** The failure message of a completed-exceptionally stage, unwrapped. */
    static String reason(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof Failure ? cause.getMessage() : cause.toString();
    }

    private static CreateSessionDescriptionObserver observer(CompletableFuture<RTCSessionDescription> result) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                result.complete(description);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new Failure(error));
            }
        };
    }

    private static SetSessionDescriptionObserver setObserver(CompletableFuture<Void> result) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                result.complete(null);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new Failure(error));
            }
        };
    }
}
