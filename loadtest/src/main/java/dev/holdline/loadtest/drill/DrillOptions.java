package dev.holdline.loadtest.drill;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one drill runs. Call lengths and the baseline's stop timeout are given in real-world time
 * and multiplied by {@code timeScale}; arrival rate, start-up waits and the cut rule are wall-clock.
 *
 * @param calls            how many callers arrive
 * @param ratePerMinute    arrivals per minute of wall-clock time (evenly spaced, each jittered by up to half an interval)
 * @param callP50          median call length, real-world
 * @param callP99          99th percentile call length, real-world (lognormal through both; lengths
 *                         above the 99.9th percentile are capped there)
 * @param timeScale        factor applied to real-world durations (0.035: a 4 min call lasts 8.4 s)
 * @param talk             the caller's talk turn (wall-clock); with {@code pause} zero it talks all the time
 * @param pause            the caller's pause between turns (wall-clock)
 * @param workers          desired worker count, before and after the deploy
 * @param minHealthyPercent ECS {@code minimumHealthyPercent}: registered, not-draining workers kept during the deploy
 * @param maxPercent       ECS {@code maximumPercent}: workers (draining ones included) allowed at once
 * @param deployAt         when the rolling restart starts, after the first call arrives (wall-clock)
 * @param profiles         call-profile YAML for the workers, or null to generate one sized to the calls
 * @param agent            the example agent the workers run
 * @param baselineStopTimeout the naive deploy's fixed stop timeout, real-world (scaled like calls)
 * @param cutSilence       a silent run at least this long after the first audio cuts the call (wall-clock)
 * @param seed             seed for arrivals and lengths: the same seed gives the same load
 * @param workerJvmOptions extra JVM options for each worker process
 * @param warmup           how long uncounted warm-up calls run before the measured ones (zero: none)
 * @param replacementNice  niceness of the workers the deploy starts: on this one machine their JVM start-up
 *                         competes for CPU with the running calls (on ECS they start on other instances)
 */
public record DrillOptions(int calls, double ratePerMinute, Duration callP50, Duration callP99, double timeScale,
                           Duration talk, Duration pause, int workers, int minHealthyPercent, int maxPercent,
                           Duration deployAt, Path profiles, String agent, Duration baselineStopTimeout,
                           Duration cutSilence, long seed, java.util.List<String> workerJvmOptions,
                           Duration warmup, int replacementNice) {

    /**
     * The README's default drill: 40 calls of 8.4 s median (4 min × 0.035; p99 17 s, at most 21 s),
     * arriving at 36 a minute: about 5 at once, so the callers, the relay and the workers together
     * stay well inside two cores, and build plus drill fit in three minutes.
     */
    public static DrillOptions defaults() {
        return new DrillOptions(40, 36, Duration.ofMinutes(4), Duration.ofMinutes(8), 0.035,
                Duration.ofSeconds(4), Duration.ofSeconds(1), 2, 100, 200, null, null, "tone",
                Duration.ofSeconds(30), Duration.ofSeconds(1), 42, java.util.List.of(),
                Duration.ofSeconds(12), 10);
    }

    public DrillOptions {
        workerJvmOptions = java.util.List.copyOf(workerJvmOptions);
    }

    /** Checks the values together; the message names the flag and the fix. */
    public void validate() {
        require(calls >= 1 && calls <= 10_000, "--calls must be 1..10000, was " + calls);
        require(ratePerMinute > 0 && ratePerMinute <= 6000, "--rate must be > 0 and ≤ 6000 calls per minute, was " + ratePerMinute);
        require(timeScale > 0 && timeScale <= 1, "--time-scale must be > 0 and ≤ 1, was " + timeScale);
        require(!callP50.isNegative() && !callP50.isZero(), "--call-p50 must be > 0");
        require(callP99.compareTo(callP50) > 0, "--call-p99 (" + callP99 + ") must be longer than --call-p50 (" + callP50
                + "): raise --call-p99 or lower --call-p50");
        require(scaled(callP50).toMillis() >= 2000, "--call-p50 × --time-scale is " + scaled(callP50).toMillis()
                + " ms; calls need ≥ 2 s to be heard (raise --time-scale or --call-p50)");
        require(workers >= 1 && workers <= 16, "--workers must be 1..16, was " + workers);
        require(minHealthyPercent >= 0 && minHealthyPercent <= 100, "--min-healthy must be 0..100 %, was " + minHealthyPercent);
        require(maxPercent >= 100 && maxPercent <= 200, "--max-percent must be 100..200 %, was " + maxPercent);
        int maxTotal = workers * maxPercent / 100;
        int minHealthy = (workers * minHealthyPercent + 99) / 100;
        require(maxTotal > workers || minHealthy < workers,
                "--max-percent " + maxPercent + " and --min-healthy " + minHealthyPercent + " leave the deploy no room (ECS"
                        + " would be stuck too): raise --max-percent or lower --min-healthy");
        require(talk.isPositive() || pause.isZero(), "--talk must be > 0 when --pause is set");
        require(!cutSilence.isNegative() && cutSilence.toMillis() >= 200, "--cut-silence must be ≥ 200ms (isolated lost"
                + " frames are not cuts), was " + cutSilence);
        require(agent.equals("tone") || agent.equals("echo"), "--agent must be tone or echo (an agent the caller hears"
                + " all the time), was " + agent);
        require(deployAt == null || !deployAt.isNegative(), "--deploy-at must be ≥ 0");
        require(!baselineStopTimeout.isNegative(), "--stop-timeout must be ≥ 0");
        require(!warmup.isNegative() && (warmup.isZero() || warmup.toMillis() >= 3000),
                "--warmup must be 0s (none) or at least 3s, was " + warmup);
        require(replacementNice >= 0 && replacementNice <= 19, "--replacement-nice must be 0..19, was " + replacementNice);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A real-world duration in drill time. */
    public Duration scaled(Duration realWorld) {
        return Duration.ofNanos(Math.round(realWorld.toNanos() * timeScale));
    }

    /** The arrival window's expected length, wall-clock. */
    public Duration arrivalWindow() {
        return Duration.ofMillis(Math.round(calls * 60_000.0 / ratePerMinute));
    }

    /**
     * When the deploy starts: {@link #deployAt} or 20 % into the arrival window. Early, because a
     * replacement (a niced supervisor and its session host, beside the live calls) takes 15-20 s
     * to register here; later, the old workers would have taken every call before it is ready.
     */
    public Duration effectiveDeployAt() {
        return deployAt != null ? deployAt : Duration.ofMillis(arrivalWindow().toMillis() / 5);
    }
}
