package dev.holdline.worker.room;

/** A continuous sine, 10 ms at a time, with no phase jump between frames: tones, test signals. */
public final class SineWave {
    private final double step;
    private final double amplitude;
    private final int sampleRate;
    private double phase;

    /** @param level peak amplitude as a fraction of full scale */
    public SineWave(double frequency, double level, int sampleRate) {
        this.step = 2 * Math.PI * frequency / sampleRate;
        this.amplitude = level * Short.MAX_VALUE;
        this.sampleRate = sampleRate;
    }

    public AudioFrame next() {
        short[] s = new short[sampleRate / 100];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) Math.round(amplitude * Math.sin(phase));
            phase += step;
        }
        phase %= 2 * Math.PI;
        return new AudioFrame(s, sampleRate);
    }
}
