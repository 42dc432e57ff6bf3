package dev.holdline.worker.room;

/**
 * Converts between 48 kHz and 24 or 16 kHz (factor 2 or 3) with a windowed-sinc low-pass:
 * {@link #process} decimates (room audio for a speech model), {@link #interpolate} upsamples
 * (a TTS voice for the room). Integer ratios are all speech models ask for, and pure Java keeps
 * one more native object per stream out of the session's teardown. State carries across
 * frames, so there are no clicks at frame edges; one instance serves one direction.
 */
final class Decimator {
    private static final int TAPS_PER_PHASE = 16;

    private final int factor;
    private final double[] taps;
    private final double[] history;
    private int pos;

    Decimator(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor " + factor);
        }
        this.factor = factor;
        this.taps = factor == 1 ? new double[] {1.0} : lowPass(TAPS_PER_PHASE * factor, 0.45 / factor);
        this.history = new double[taps.length];
    }

    /** Rates a 48 kHz stream can be read at. */
    static int factorFor(int targetRate) {
        return switch (targetRate) {
            case 48_000 -> 1;
            case 24_000 -> 2;
            case 16_000 -> 3;
            default -> throw new IllegalArgumentException(
                    "room audio converts to and from 48000, 24000 or 16000 Hz, not " + targetRate);
        };
    }

    short[] process(short[] in) {
        if (factor == 1) {
            return in.clone();
        }
        short[] out = new short[in.length / factor];
        int o = 0;
        for (int i = 0; i < in.length; i++) {
            push(in[i]);
            if ((i + 1) % factor == 0 && o < out.length) {
                out[o++] = filtered();
            }
        }
        return out;
    }

    /** Upsamples by the factor: zero-stuffing, then the same low-pass with the factor as gain. */
    short[] interpolate(short[] in) {
        if (factor == 1) {
            return in.clone();
        }
        short[] out = new short[in.length * factor];
        int o = 0;
        for (short sample : in) {
            for (int k = 0; k < factor; k++) {
                push(k == 0 ? sample * (double) factor : 0);
                out[o++] = filtered();
            }
        }
        return out;
    }

    private void push(double sample) {
        history[pos] = sample;
        pos = (pos + 1) % history.length;
    }

    /** The low-pass output for the newest sample in the history, clipped to 16 bits. */
    private short filtered() {
        double acc = 0;
        int h = pos;
        for (double tap : taps) {
            acc += tap * history[h];
            h = (h + 1) % history.length;
        }
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(acc)));
    }

    /** Blackman-windowed sinc, cutoff as a fraction of the input rate, unity gain at DC. */
    private static double[] lowPass(int n, double cutoff) {
        double[] h = new double[n];
        double sum = 0;
        double mid = (n - 1) / 2.0;
        for (int i = 0; i < n; i++) {
            double x = i - mid;
            double sinc = x == 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
            double w = 0.42 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1)) + 0.08 * Math.cos(4 * Math.PI * i / (n - 1));
            h[i] = sinc * w;
            sum += h[i];
        }
        for (int i = 0; i < n; i++) {
            h[i] /= sum;
        }
        return h;
    }
}
