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
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import livekit.LivekitRtc.TrickleRequest;
import org.junit.jupiter.api.Test;

/**
 * What a broken or vanished client gets: a clear error for that participant only, logged and
 * recorded; everyone else carries on. (The same with real audio flowing in another room is in
 * NodeRtcConformanceTest.)
 */
class RtcBadInputTest extends RtcTestSupport {

    @Override
    protected DevServer.Builder configure(DevServer.Builder builder) {
        // Short, so that a silent participant is dropped within a test's patience.
        return builder.pingInterval(Duration.ofSeconds(1)).signalTimeout(Duration.ofSeconds(2));
    }

    @Test
    void garbageAndUnknownFramesAreReportedAndTheConnectionCarriesOn() {
        TestRtcClient alice = join("room-1", "alice");

        alice.sendBytes(new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02});
        // Field 99 is no SignalRequest field: what a newer client's unknown message looks like.
        alice.sendBytes(new byte[] {(byte) 0x98, 0x06, 0x01});
        alice.sendText("this is not protobuf JSON");
        alice.send(SignalRequest.newBuilder().setTrickle(TrickleRequest.newBuilder()
                .setCandidateInit("{not json").setTarget(SignalTarget.PUBLISHER)).build());
        alice.roundTrip(1);

        List<String> errors = rtcEvents(RtcEvent.SignalError.class).stream().map(RtcEvent.SignalError::description).toList();
        assertEquals(4, errors.size(), () -> "errors: " + errors);
        assertTrue(errors.get(0).startsWith("undecodable signal frame (4 bytes) ignored"), errors.get(0));
        assertTrue(errors.get(1).contains("no message this server knows") && errors.get(1).contains("[99]"),
                errors.get(1));
        assertTrue(errors.get(2).contains("not a SignalRequest"), errors.get(2));
        assertTrue(errors.get(3).startsWith("trickle ignored"), errors.get(3));
        assertEquals(List.of("alice"), identitiesIn("room-1"));
    }

    @Test
    void aMalformedSdpOfferRemovesOnlyThatParticipantWithTheReason() {
        TestRtcClient alice = join("room-1", "alice");
        TestRtcClient bob = join("room-1", "bob");
        TestRtcClient elsewhere = join("room-2", "carol");

        alice.send(SignalRequest.newBuilder().setOffer(SessionDescription.newBuilder()
                .setType("offer").setSdp("v=0\r\nthis is not an SDP\r\n")).build());

        LeaveRequest leave = alice.expect(SignalResponse.MessageCase.LEAVE).getLeave();
        assertEquals(DisconnectReason.STATE_MISMATCH, leave.getReason());
        TestRtcClient.Close close = alice.awaitClose();
        assertTrue(close.reason().contains("publisher offer"), () -> "close reason: " + close);
        RtcEvent.SignalError error = awaitRtcEvent(RtcEvent.SignalError.class, e -> e.identity().equals("alice"));
        assertTrue(error.description().contains("malformed SDP"), error.description());

        bob.expectUpdate("alice", ParticipantInfo.State.DISCONNECTED);
        bob.roundTrip(2);
        elsewhere.roundTrip(3);
        assertEquals(List.of("bob"), identitiesIn("room-1"));
        assertEquals(List.of("carol"), identitiesIn("room-2"));
    }

    @Test
    void aMalformedSdpAnswerRemovesOnlyThatParticipant() {
        TestRtcClient alice = join("room-1", "alice");
        TestRtcClient bob = join("room-1", "bob");
        alice.expect(SignalResponse.MessageCase.OFFER);

        alice.send(SignalRequest.newBuilder().setAnswer(SessionDescription.newBuilder()
                .setType("answer").setSdp("garbage")).build());

        assertEquals(DisconnectReason.STATE_MISMATCH, alice.expect(SignalResponse.MessageCase.LEAVE).getLeave()
                .getReason());
        bob.expectUpdate("alice", ParticipantInfo.State.DISCONNECTED);
        bob.roundTrip(1);
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
