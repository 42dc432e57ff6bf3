package dev.holdline.devserver.rtc;

/**
 * One decoded 10 ms frame of 16-bit PCM as a receiver delivered it (48 kHz mono in practice; the
 * format is passed through unchanged). The array is never modified after construction.
 */
record PcmFrame(byte[] data, int sampleRate, int channels, int samplesPerChannel) {}
