package dev.holdline.worker.room;

import java.util.Arrays;

/**
 * Ten milliseconds of mono 16-bit PCM. Rooms carry 48 kHz audio (480 samples a frame); an
 * {@link AudioStream} opened at 16 or 24 kHz hands out 160 or 240 samples a frame.
 */
public record AudioFrame(short[] samples, int sampleRate) {
    /** Frames are always 10 ms: WebRTC's own unit, and small enough for barge-in. */
    public static final int FRAME_MILLIS = 10;
    /** The rate rooms carry. */
    public static final int ROOM_RATE = 48_000;

    public AudioFrame {
        if (sampleRate <= 0 || sampleRate % 100 != 0) {
            throw new IllegalArgumentException("sample rate must be a positive multiple of 100 Hz, got " + sampleRate);
        }
        if (samples.length != sampleRate / 100) {
            throw new IllegalArgumentException("a 10 ms frame at " + sampleRate + " Hz has " + sampleRate / 100
                    + " samples, got " + samples.length);
        }
    }

    /** A silent frame at {@code sampleRate}. */
    public static AudioFrame silence(int sampleRate) {
        return new AudioFrame(new short[sampleRate / 100], sampleRate);
    }

    /** Root mean square of the samples, 0 to 32768. */
    public double rms() {
        double sum = 0;
        for (short s : samples) {
            sum += (double) s * s;
        }
        return Math.sqrt(sum / samples.length);
    }

    /** Little-endian 16-bit bytes, the layout WebRTC's native side takes on x86 and ARM. */
    byte[] toBytes() {
        byte[] out = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            out[2 * i] = (byte) samples[i];
            out[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return out;
    }

    static AudioFrame fromBytes(byte[] pcm, int sampleCount, int sampleRate) {
        short[] s = new short[sampleCount];
        for (int i = 0; i < sampleCount; i++) {
            s[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
        }
        return new AudioFrame(s, sampleRate);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioFrame f && f.sampleRate == sampleRate && Arrays.equals(f.samples, samples);
    }

    @Override
    public int hashCode() {
        return 31 * sampleRate + Arrays.hashCode(samples);
    }

    @Override
    public String toString() {
        return "AudioFrame[" + samples.length + " samples @ " + sampleRate + " Hz]";
    }
}
