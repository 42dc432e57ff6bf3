/**
 * LiveKit's server API over Twirp: {@code POST /twirp/livekit.<Service>/<Method>} with a protobuf
 * or JSON body, bearer-token authentication and LiveKit's grant checks, Twirp-style JSON errors.
 */
package dev.holdline.devserver.twirp;
