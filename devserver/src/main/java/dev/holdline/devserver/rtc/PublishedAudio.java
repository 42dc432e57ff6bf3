package dev.holdline.devserver.rtc;

import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import livekit.LivekitModels.TrackInfo;

/**
 * A track a participant publishes, as received by the server: its remote audio track on the
 * publisher connection, with a sink that hands every decoded frame to the relays of its
 * subscribers. {@link #onData} runs on the publisher factory's audio thread and only enqueues.
 */
final class PublishedAudio implements AudioTrackSink {
    private final TrackInfo info;
    private final String publisherSid;
    private final String publisherIdentity;
    private final AudioTrack remoteTrack;
    private final List<AudioRelay> relays = new CopyOnWriteArrayList<>();
    private volatile long framesReceived;

    PublishedAudio(TrackInfo info, String publisherSid, String publisherIdentity, AudioTrack remoteTrack) {
        this.info = info;
        this.publisherSid = publisherSid;
        this.publisherIdentity = publisherIdentity;
        this.remoteTrack = remoteTrack;
    }

    TrackInfo info() {
        return info;
    }

    String trackSid() {
        return info.getSid();
    }

    String publisherSid() {
        return publisherSid;
    }

    String publisherIdentity() {
        return publisherIdentity;
    }

    AudioTrack remoteTrack() {
        return remoteTrack;
    }

    long framesReceived() {
        return framesReceived;
    }

    void addRelay(AudioRelay relay) {
        relays.add(relay);
    }

    void removeRelay(AudioRelay relay) {
        relays.remove(relay);
    }

    @Override
    public void onData(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        if (bitsPerSample != 16) {
            return; // libwebrtc delivers 16-bit PCM; anything else is not ours to interpret
        }
        // The array is a fresh copy made by the JNI layer for this call, so it can be shared.
        PcmFrame frame = new PcmFrame(data, sampleRate, channels, frames);
        framesReceived++;
        for (AudioRelay relay : relays) {
            relay.offer(frame);
        }
    }
}
