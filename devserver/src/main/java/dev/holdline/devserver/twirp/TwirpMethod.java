package dev.holdline.devserver.twirp;

import com.google.protobuf.Message;
import dev.holdline.devserver.auth.VerifiedToken;

/**
 * One Twirp method: its route, how to parse its request, and what to do with it.
 *
 * @param service fully qualified, e.g. {@code livekit.RoomService}
 * @param requestPrototype default instance of the request type, used to parse bodies
 */
record TwirpMethod<Q extends Message>(String service, String method, Q requestPrototype, Implementation<Q> implementation) {

    @FunctionalInterface
    interface Implementation<Q extends Message> {
        Message call(VerifiedToken caller, Q request) throws TwirpException;
    }

    String path() {
        return "/twirp/" + service + "/" + method;
    }

    /** Invokes with a request already parsed from {@link #requestPrototype()}'s type. */
    @SuppressWarnings("unchecked")
    Message invoke(VerifiedToken caller, Message request) throws TwirpException {
        return implementation.call(caller, (Q) request);
    }
}
