package dev.holdline.devserver.rtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One published track forwarded to one subscriber: a small jitter queue filled by the publisher's
 * receiver (native thread) and drained by the {@link AudioPacer}, one frame per 10 ms tick, into a
 * {@link CustomAudioSource} whose track is a sender on the subscriber's peer connection.
 *
 * <p>The queue starts pushing once {@link #PRIME_FRAMES} frames are waiting and trims itself back
 * to that depth when it grows past {@link #MAX_FRAMES}, so the relay adds at most a few tens of
 * milliseconds. A tick that finds the queue empty pushes nothing: the headless module's playout
 * clock that produces the frames runs a little below 100 Hz, and skipping lets the outgoing stream
 * follow that clock instead of inserting silence.
 *
 * <p>Created, added and disposed on the subscriber's executor; {@link #offer} runs on the
 * publisher's native thread, {@link #pushNext} on the pacer thread under the subscriber's gate.
 */
final class AudioRelay {
    static final int PRIME_FRAMES = 2;
    static final int MAX_FRAMES = 8;

    private final String trackSid;
    private final String publisherIdentity;
    private final PublishedAudio published;
    private final CustomAudioSource source;
    private final AudioTrack track;
    private final RTCRtpSender sender;

    // Guarded by queue.
    private final ArrayDeque<PcmFrame> queue = new ArrayDeque<>();
    private boolean primed;
    private long dropped;
    private long underruns;

    private volatile long forwarded;

    /**
     * Adds a sender for {@code published} to {@code pc}. The stream id {@code <participant sid>|<track
     * sid>} is how LiveKit clients map an incoming track to the participant and publication.
     */
    AudioRelay(PeerConnectionFactory factory, RTCPeerConnection pc, PublishedAudio published) {
        this.trackSid = published.trackSid();
        this.publisherIdentity = published.publisherIdentity();
        this.published = published;
        this.source = new CustomAudioSource();
        this.track = factory.createAudioTrack(trackSid, source);
        this.sender = pc.addTrack(track, List.of(published.publisherSid() + "|" + trackSid));
    }

    String trackSid() {
        return trackSid;
    }

    String publisherIdentity() {
        return publisherIdentity;
    }

    PublishedAudio published() {
        return published;
    }

    RTCRtpSender sender() {
        return sender;
    }

    /** From the publisher's receiver thread: never blocks beyond a short lock. */
    void offer(PcmFrame frame) {
        synchronized (queue) {
            queue.addLast(frame);
            if (queue.size() > MAX_FRAMES) {
                while (queue.size() > PRIME_FRAMES) {
                    queue.removeFirst();
                    dropped++;
                }
            }
        }
    }

    /** From the pacer thread, under the subscriber's {@link SendGate}. */
    void pushNext() {
        PcmFrame frame;
        synchronized (queue) {
            if (!primed) {
                if (queue.size() < PRIME_FRAMES) {
                    return;
                }
                primed = true;
            }
            frame = queue.pollFirst();
            if (frame == null) {
                underruns++;
                return;
            }
        }
        source.pushAudio(frame.data(), 16, frame.sampleRate(), frame.channels(), frame.samplesPerChannel());
        forwarded++;
    }

    ParticipantView.SubscriptionView view() {
        synchronized (queue) {
            return new ParticipantView.SubscriptionView(trackSid, publisherIdentity, forwarded, underruns, dropped);
        }
    }

    /** Last step of removing the relay, after its sender left the connection (or the connection closed). */
    void disposeSource() {
        source.dispose();
    }
}
