package dev.holdline.worker.room;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.media.audio.AudioOptions;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;

/**
 * One session's native media stack: a headless audio device module and a peer connection
 * factory of its own. One factory per session is what keeps webrtc-java from aborting the JVM
 * (its recording thread feeds every send stream of a factory; DESIGN.md §4). {@link #dispose}
 * frees them in the order that was seen to work; the JVM cannot exit while a factory lives.
 */
final class MediaEngine {
    private final HeadlessAudioDeviceModule adm;
    private final PeerConnectionFactory factory;
    private boolean recordingStopped;
    private boolean disposed;

    MediaEngine() {
        // Never the no-argument factory: with no sound device it aborts the JVM.
        this.adm = new HeadlessAudioDeviceModule();
        this.factory = new PeerConnectionFactory(adm);
    }

    synchronized RTCPeerConnection peerConnection(RTCConfiguration config, PeerConnectionObserver observer) {
        checkLive();
        return factory.createPeerConnection(config, observer);
    }

    synchronized CustomAudioSource audioSource() {
        checkLive();
        return new CustomAudioSource();
    }

    synchronized AudioTrack audioTrack(String id, CustomAudioSource source) {
        checkLive();
        return factory.createAudioTrack(id, source);
    }

    static AudioOptions plainAudio() {
        AudioOptions o = new AudioOptions();
        o.echoCancellation = false;
        o.autoGainControl = false;
        o.noiseSuppression = false;
        o.highpassFilter = false;
        return o;
    }

    /**
     * Stops the device module's recording thread. Call once outbound packets flow and before the
     * first push: pushing while it runs races it inside the native send stream.
     */
    synchronized void stopRecording() {
        if (!recordingStopped && !disposed) {
            recordingStopped = true;
            adm.stopRecording();
        }
    }

    /** Makes the engine ready for another session: its recording thread runs again until that session's media flows. */
    synchronized void reset() {
        checkLive();
        if (recordingStopped) {
            recordingStopped = false;
            adm.initRecording();
            adm.startRecording();
        }
    }

    /** Frees the factory, then the device module. Sources and connections must be gone already. */
    synchronized void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        factory.dispose();
        adm.dispose();
    }

    private void checkLive() {
        if (disposed) {
            throw new IllegalStateException("media engine already disposed");
        }
    }
}
