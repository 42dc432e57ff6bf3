package dev.holdline.worker.doctor;

import java.time.Duration;
import java.time.Instant;

/**
 * This host's clock against the server's, from one HTTP answer's {@code Date} header. The header
 * has whole seconds and was written some time between our request and its answer, so the skew is
 * known within half a second plus half the round trip.
 *
 * <p>Why it matters: LiveKit accepts a token within one minute of its own clock (its JWT
 * leeway), and the worker's agent tokens are valid from their minting for 10 minutes. A clock
 * more than a minute ahead gets every token refused as not yet valid; one more than 11 minutes
 * behind, as expired. Smaller skews only make log times and drain deadlines disagree with the
 * server's.
 */
final class ClockSkew {
    static final String CHECK = "clock";
    /** LiveKit's JWT leeway. */
    static final Duration SERVER_LEEWAY = Duration.ofMinutes(1);
    /** Agent tokens' lifetime ({@code AgentTokens}). */
    static final Duration TOKEN_TTL = Duration.ofMinutes(10);
    /** Beyond this, WARN: NTP keeps clocks within milliseconds, so seconds mean it is not running. */
    static final Duration TOLERATED = Duration.ofSeconds(5);

    /**
     * @param skew        server clock minus this host's, estimated (positive: this host is behind)
     * @param uncertainty the true skew is within {@code skew ± uncertainty}
     */
    record Estimate(Duration skew, Duration uncertainty) {
        /** The smallest |skew| consistent with the measurement. */
        Duration leastAbsolute() {
            Duration d = skew.abs().minus(uncertainty);
            return d.isNegative() ? Duration.ZERO : d;
        }
    }

    private ClockSkew() {
    }

    static Estimate estimate(Instant serverDate, Instant sentAt, Instant receivedAt) {
        Duration halfRoundTrip = Duration.between(sentAt, receivedAt).dividedBy(2);
        Instant localMidpoint = sentAt.plus(halfRoundTrip);
        // The server wrote a time in [date, date + 1 s): take the middle.
        Instant serverMidpoint = serverDate.plusMillis(500);
        return new Estimate(Duration.between(localMidpoint, serverMidpoint), halfRoundTrip.plusMillis(500));
    }

    static Finding judge(Estimate e) {
        String seconds = String.format("%+.1f s (±%.1f s)", -e.skew().toMillis() / 1000.0, e.uncertainty().toMillis() / 1000.0);
        String what = "this host's clock is " + seconds + " against the server's";
        Duration least = e.leastAbsolute();
        boolean ahead = e.skew().isNegative();
        String fix = " Fix: run NTP (chrony; on EC2 the Amazon Time Sync Service at 169.254.169.123) on this host"
                + " and on the LiveKit server.";
        if (ahead && least.compareTo(SERVER_LEEWAY) > 0) {
            return Finding.fail(CHECK, what + ": LiveKit refuses tokens more than " + SERVER_LEEWAY.toSeconds()
                    + " s in its future, so this worker's tokens would be rejected as not yet valid." + fix);
        }
        if (!ahead && least.compareTo(TOKEN_TTL.plus(SERVER_LEEWAY)) > 0) {
            return Finding.fail(CHECK, what + ": this worker's tokens (valid " + TOKEN_TTL.toMinutes()
                    + " min) would arrive expired." + fix);
        }
        if (least.compareTo(TOLERATED) > 0) {
            return Finding.warn(CHECK, what + ": log times and the drain deadlines handlers are told will disagree with the"
                    + " server's." + fix);
        }
        return Finding.pass(CHECK, what + ".");
    }
}
