package dev.holdline.devserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.rtc.RtcEvent;
import dev.holdline.devserver.testing.RtcTestSupport;
import dev.holdline.devserver.testing.TestRtcClient;
import java.util.List;
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

        // Frames are checked on the socket thread, the trickle on the participant's thread.
        await().atMost(TestRtcClient.WAIT).until(() -> rtcEvents(RtcEvent.SignalError.class).size() >= 4);
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
}
