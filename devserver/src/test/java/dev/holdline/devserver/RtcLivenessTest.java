package dev.holdline.devserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.rtc.RtcEvent;
import dev.holdline.devserver.testing.RtcTestSupport;
import dev.holdline.devserver.testing.TestRtcClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import org.junit.jupiter.api.Test;

/**
 * A caller that vanishes without leave (socket dropped, or silent with the socket open) is
 * reported gone to the others: at once, or after the signal timeout.
 */
class RtcLivenessTest extends RtcTestSupport {

    @Override
    protected DevServer.Builder configure(DevServer.Builder builder) {
        // Short, so that a silent participant is dropped within a test's patience.
        return builder.pingInterval(Duration.ofSeconds(1)).signalTimeout(Duration.ofSeconds(3));
    }

    @Test
    void aClientThatDropsItsConnectionWithoutLeaveIsReportedGoneAtOnce() {
        TestRtcClient alice = join("room-1", "alice");
        TestRtcClient caller = join("room-1", "caller");
        alice.expectUpdate("caller", ParticipantInfo.State.JOINED);

        caller.abort();

        ParticipantInfo gone = alice.expectUpdate("caller", ParticipantInfo.State.DISCONNECTED);
        assertEquals(DisconnectReason.SIGNAL_CLOSE, gone.getDisconnectReason());
        RtcEvent.ParticipantLeft left = awaitRtcEvent(RtcEvent.ParticipantLeft.class, e -> e.identity().equals("caller"));
        assertTrue(left.detail().startsWith("signal connection closed without leave"), left.detail());
        assertEquals(List.of("alice"), identitiesIn("room-1"));
    }

    @Test
    void aClientThatFallsSilentIsDroppedAfterTheSignalTimeout() {
        TestRtcClient alice = join("room-1", "alice");
        join("room-1", "caller"); // joins, then never sends another frame
        alice.expectUpdate("caller", ParticipantInfo.State.JOINED);

        // Alice keeps pinging (as clients do) while the silent caller times out.
        AtomicLong pings = new AtomicLong();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    alice.roundTrip(pings.incrementAndGet());
                    return identitiesIn("room-1").equals(List.of("alice"));
                });
        ParticipantInfo gone = alice.expectUpdate("caller", ParticipantInfo.State.DISCONNECTED);
        assertEquals(DisconnectReason.SIGNAL_CLOSE, gone.getDisconnectReason());
        RtcEvent.ParticipantLeft left = awaitRtcEvent(RtcEvent.ParticipantLeft.class, e -> e.identity().equals("caller"));
        assertTrue(left.detail().startsWith("no signal message for"), left.detail());
    }
}
