package dev.holdline.loadtest.caller;

import dev.holdline.worker.room.AudioFrame;
import dev.holdline.worker.room.AudioStream;
import dev.holdline.worker.room.Participant;
import dev.holdline.worker.room.Room;
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.room.RoomException;
import dev.holdline.worker.room.RoomListener;
import dev.holdline.worker.room.SineWave;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant that talks (a steady sine) and listens to the agent: how much it heard, how
 * loud, at what frequency, after how long, and every stretch of silence after the agent was
 * first heard. The deploy drill counts a call as cut when its caller hears silence or loses
 * the room before the call's planned end.
 */
public final class SyntheticCaller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyntheticCaller.class);

    /**
     * @param toneHz       the frequency the caller speaks at
     * @param level        its peak level, a fraction of full scale
     * @param silenceLevel RMS below which a heard frame counts as silence, as a fraction of the
     *                     caller's own RMS
     */
    public record Options(double toneHz, double level, double silenceLevel, Duration talk, Duration pause) {
        public static Options defaults() {
            return new Options(440.0, 0.3, 0.2, Duration.ZERO, Duration.ZERO);
        }

        /**
         * Talks in turns: {@code talk} of sine, then {@code pause} of silence (still sent: the
         * track keeps its 10 ms pace, as a muted-by-silence microphone does). {@code pause} zero
         * means talking all the time.
         */
        public Options withTalkPattern(Duration talk, Duration pause) {
            if (!pause.isZero() && talk.isZero()) {
                throw new IllegalArgumentException("a talk pattern with a pause needs a talk time > 0");
            }
            return new Options(toneHz, level, silenceLevel, talk, pause);
        }
    }

    /**
     * A stretch after the first audio when the caller heard nothing: {@code SILENT} frames kept
     * arriving but were silent, {@code STALL} no frame arrived at all.
     *
     * @param startMillis  when it began, after the caller joined
     * @param lengthMillis how long it lasted (for one still going: so far)
     */
    public record Gap(long startMillis, long lengthMillis, Kind kind) {
        public enum Kind { SILENT, STALL }
    }

    /** Gaps shorter than this are not kept one by one (they are in the silent-frame count). */
    private static final long GAP_RECORD_FRAMES = 10;
    /** No frame for this long counts as a stall (frames come every 10 ms). */
    private static final long STALL_NANOS = 100_000_000L;

    private final Room room;
    private final Options options;
    private final long joinedNanos;
    private final Thread talker;
    private final Thread listener;
    private final CompletableFuture<Participant> agent = new CompletableFuture<>();
    private final Object statsLock = new Object();
    private volatile boolean hungUp;
    private volatile boolean agentLeft;
    private volatile String disconnected;
    private volatile long agentLeftNanos;
    private volatile long disconnectedNanos;
    // Guarded by statsLock.
    private long heard;
    private long firstHeardNanos;
    private long lastHeardNanos;
    private long firstAudioNanos;
    private long loudFrames;
    private long silentFrames;
    private long silenceRun;
    private long silenceRunStartNanos;
    private final java.util.List<Gap> gaps = new java.util.ArrayList<>();
    private long longestSilence;
    private long longestDeliveryGapNanos;
    private int windowFrames;
    /** Periods (in samples) between rising zero crossings in the current second of loud audio. */
    private final java.util.List<Double> windowPeriods = new java.util.ArrayList<>();
    /** Position (in samples, since the last silence) of the last rising zero crossing, or NaN. */
    private double lastRise = Double.NaN;
    private long loudSamples;
    /** Frequency of each second of loud audio (100 loud frames), from its median period. */
    private final java.util.List<Double> secondHz = new java.util.ArrayList<>();
    private double sumSquares;
    private short lastSample;

    private SyntheticCaller(Room room, Options options, long joinedNanos) {
        this.room = room;
        this.options = options;
        this.joinedNanos = joinedNanos;
        this.talker = Thread.ofPlatform().daemon().name("caller-talk-" + room.localIdentity()).unstarted(this::talk);
        this.listener = Thread.ofPlatform().daemon().name("caller-listen-" + room.localIdentity()).unstarted(this::listen);
    }

    /** Joins the room with {@code token} (a participant token for the room) and starts talking and listening. */
    public static SyntheticCaller join(RoomConnector connector, String url, String token, String name, Options options)
            throws RoomException, InterruptedException {
        long start = System.nanoTime();
        Room room = connector.connect(url, token, name, null);
        SyntheticCaller caller = new SyntheticCaller(room, options, start);
        room.addListener(new RoomListener() {
            @Override
            public void onParticipantJoined(Participant p) {
                if (p.kind() == Participant.Kind.AGENT) {
                    caller.agent.complete(p);
                }
            }

            @Override
            public void onParticipantLeft(Participant p) {
                if (p.kind() == Participant.Kind.AGENT && !caller.agentLeft) {
                    caller.agentLeftNanos = System.nanoTime();
                    caller.agentLeft = true;
                }
            }

            @Override
            public void onDisconnected(String reason) {
                if (caller.disconnected == null) {
                    caller.disconnectedNanos = System.nanoTime();
                }
                caller.disconnected = reason;
            }
        });
        room.participants().stream().filter(p -> p.kind() == Participant.Kind.AGENT).findFirst()
                .ifPresent(caller.agent::complete);
        caller.talker.start();
        caller.listener.start();
        return caller;
    }

    public Room room() {
        return room;
    }

    /** Waits until the agent has joined the room. */
    public Participant awaitAgent(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return agent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void talk() {
        SineWave tone = new SineWave(options.toneHz(), options.level(), AudioFrame.ROOM_RATE);
        long talkFrames = options.talk().toMillis() / AudioFrame.FRAME_MILLIS;
        long cycle = talkFrames + options.pause().toMillis() / AudioFrame.FRAME_MILLIS;
        AudioFrame quiet = null;
        try {
            for (long n = 0; !hungUp; n++) {
                AudioFrame next = tone.next();
                if (cycle > talkFrames && n % cycle >= talkFrames) {
                    if (quiet == null) {
                        quiet = AudioFrame.silence(next.sampleRate());
                    }
                    next = quiet;
                }
                // write() blocks while its buffer is full: that paces us in real time.
                if (!room.audioOutput().write(next)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen() {
        try {
            Participant who = agent.get();
            if (hungUp) {
                return;
            }
            double ownRms = options.level() * Short.MAX_VALUE / Math.sqrt(2);
            double threshold = ownRms * options.silenceLevel();
            try (AudioStream in = room.audioStream(who, AudioFrame.ROOM_RATE)) {
                AudioFrame f;
                while (!hungUp && (f = in.read()) != null) {
                    hear(f, threshold);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.warn("Caller {}: waiting for the agent failed", room.localIdentity(), e);
        }
    }

    private void hear(AudioFrame f, double threshold) {
        long now = System.nanoTime();
        double rms = f.rms();
        synchronized (statsLock) {
            heard++;
            if (firstHeardNanos == 0) {
                firstHeardNanos = now;
            } else {
                longestDeliveryGapNanos = Math.max(longestDeliveryGapNanos, now - lastHeardNanos);
            }
            if (firstAudioNanos != 0 && now - lastHeardNanos >= STALL_NANOS) {
                gaps.add(new Gap((lastHeardNanos - joinedNanos) / 1_000_000, (now - lastHeardNanos) / 1_000_000,
                        Gap.Kind.STALL));
            }
            lastHeardNanos = now;
            if (firstAudioNanos == 0) {
                if (rms < threshold) {
                    return;
                }
                firstAudioNanos = now;
            }
            if (rms < threshold) {
                silentFrames++;
                if (silenceRun++ == 0) {
                    silenceRunStartNanos = now;
                }
                longestSilence = Math.max(longestSilence, silenceRun);
                lastRise = Double.NaN;
                return;
            }
            closeSilenceRun();
            loudFrames++;
            sumSquares += rms * rms;
            measurePeriods(f.samples());
            if (++windowFrames == 100) {
                if (!windowPeriods.isEmpty()) {
                    secondHz.add(AudioFrame.ROOM_RATE / medianOf(windowPeriods));
                }
                windowPeriods.clear();
                windowFrames = 0;
            }
        }
    }

    /**
     * Pitch by the period between rising zero crossings, interpolated to a fraction of a sample.
     * A receiver's jitter buffer splices audio to keep up with its clock; a splice spoils the one
     * period it falls in, and the median over a second's ~440 periods ignores it, where a count of
     * crossings per second would read every splice as a higher pitch.
     */
    private void measurePeriods(short[] samples) {
        for (short s : samples) {
            if (lastSample < 0 && s >= 0) {
                double rise = loudSamples - 1 + (double) -lastSample / (s - lastSample);
                if (!Double.isNaN(lastRise)) {
                    windowPeriods.add(rise - lastRise);
                }
                lastRise = rise;
            }
            lastSample = s;
            loudSamples++;
        }
    }

    // Holds statsLock.
    private void closeSilenceRun() {
        if (silenceRun >= GAP_RECORD_FRAMES) {
            gaps.add(new Gap((silenceRunStartNanos - joinedNanos) / 1_000_000, silenceRun * AudioFrame.FRAME_MILLIS,
                    Gap.Kind.SILENT));
        }
        silenceRun = 0;
    }

    /**
     * Every gap of 100 ms or more since the first audio, in order, including one still going now
     * (a silent run, or no frame for 100 ms or more).
     */
    public java.util.List<Gap> gaps() {
        long now = System.nanoTime();
        synchronized (statsLock) {
            java.util.List<Gap> all = new java.util.ArrayList<>(gaps);
            if (silenceRun >= GAP_RECORD_FRAMES) {
                all.add(new Gap((silenceRunStartNanos - joinedNanos) / 1_000_000, silenceRun * AudioFrame.FRAME_MILLIS,
                        Gap.Kind.SILENT));
            }
            if (firstAudioNanos != 0 && now - lastHeardNanos >= STALL_NANOS) {
                all.add(new Gap((lastHeardNanos - joinedNanos) / 1_000_000, (now - lastHeardNanos) / 1_000_000,
                        Gap.Kind.STALL));
            }
            return all;
        }
    }

    /** When the agent left the room, in ms after the caller joined, or -1. */
    public long agentLeftMillis() {
        return agentLeft ? (agentLeftNanos - joinedNanos) / 1_000_000 : -1;
    }

    /** When the caller's room connection ended for good, in ms after it joined, or -1. */
    public long disconnectedMillis() {
        return disconnected != null ? (disconnectedNanos - joinedNanos) / 1_000_000 : -1;
    }

    /** What the caller has heard so far. */
    public Report report() {
        synchronized (statsLock) {
            long span = lastHeardNanos - firstHeardNanos;
            long expected = heard == 0 ? 0 : span / 10_000_000L + 1;
            return new Report(heard, expected, loudFrames, silentFrames, longestSilence * AudioFrame.FRAME_MILLIS,
                    loudFrames == 0 ? 0 : Math.sqrt(sumSquares / loudFrames),
                    medianOf(secondHz),
                    firstAudioNanos == 0 ? -1 : (firstAudioNanos - joinedNanos) / 1_000_000,
                    longestDeliveryGapNanos / 1_000_000,
                    agentLeft, disconnected);
        }
    }

    private static double medianOf(java.util.List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * What a caller heard.
     *
     * @param framesHeard           10 ms frames delivered since the agent's track arrived
     * @param framesExpected        frames the wall clock says should have arrived in that time
     * @param loudFrames            frames after the first audio that carried sound
     * @param silentFrames          frames after the first audio that were silent
     * @param longestSilenceMillis  the longest silent stretch after the first audio
     * @param rms                   mean RMS of the loud frames
     * @param frequencyHz           the loud audio's pitch: the median over its seconds, each from the
     *                              median period between rising zero crossings
     * @param firstAudioMillis      join → first loud frame, or -1
     * @param longestDeliveryGapMillis the longest wait between two delivered frames (a stalled
     *                              receiver, unlike a slow clock, shows here)
     * @param agentLeft             the agent left the room
     * @param disconnected          why the caller's room ended, or null while connected
     */
    public record Report(long framesHeard, long framesExpected, long loudFrames, long silentFrames,
                         long longestSilenceMillis, double rms, double frequencyHz, long firstAudioMillis,
                         long longestDeliveryGapMillis, boolean agentLeft, String disconnected) {
        /** Silent frames (gaps, concealment) as a share of what was heard since the first audio. */
        public double missingShare() {
            long after = loudFrames + silentFrames;
            return after == 0 ? 1.0 : (double) silentFrames / after;
        }

        /**
         * Frames the wall clock expected but the receiver never delivered, as a share. Not a gap in
         * the audio: webrtc-java 0.14.0's headless playout thread ticks slightly slower than
         * 100 Hz, so any webrtc-java receiver falls 0.5–1 % behind the clock (the jitter buffer
         * time-compresses to keep up). Large values mean a starved machine.
         */
        public double shortfallShare() {
            return framesExpected == 0 ? 0 : Math.max(0, framesExpected - framesHeard) / (double) framesExpected;
        }
    }

    /** Leaves the room (the agent's session then ends with CALLER_LEFT). */
    public void hangUp() {
        hungUp = true;
        room.disconnect();
        try {
            talker.join(2000);
            listener.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        hangUp();
    }
}
