package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.rtc.ParticipantView;
import dev.holdline.devserver.rtc.RtcEvent;
import dev.holdline.devserver.testing.RtcTestSupport;
import dev.holdline.devserver.testing.TestRtcClient;
import dev.holdline.devserver.testing.TestWorker;
import dev.holdline.devserver.testing.Tokens;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import livekit.LivekitAgent.JobAssignment;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;
import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.MuteTrackRequest;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.UpdateSubscription;
import org.junit.jupiter.api.Test;

/**
 * The {@code /rtc} signal protocol as a client sees it, with signal-only clients (no WebRTC on the
 * client side): join, updates, ping, publish bookkeeping, leave in both directions.
 */
class RtcSignalingTest extends RtcTestSupport {

    @Test
    void theJoinResponseDescribesTheRoomTheParticipantAndTheTiming() {
        TestRtcClient alice = track(TestRtcClient.join(server.wsUrl(),
                server.participantToken("room-1", "alice", "Alice", "{\"m\":1}", Map.of("team", "blue"))));
        JoinResponse join = alice.joinResponse();

        assertEquals("room-1", join.getRoom().getName());
        assertTrue(join.getRoom().getSid().startsWith("RM_"), join.getRoom().getSid());
        ParticipantInfo self = join.getParticipant();
        assertTrue(self.getSid().startsWith("PA_"), "clients parse the PA_ prefix: " + self.getSid());
        assertEquals("alice", self.getIdentity());
        assertEquals("Alice", self.getName());
        assertEquals("{\"m\":1}", self.getMetadata());
        assertEquals(Map.of("team", "blue"), self.getAttributesMap());
        assertEquals(ParticipantInfo.Kind.STANDARD, self.getKind());
        assertEquals(ParticipantInfo.State.JOINED, self.getState());
        assertTrue(self.getPermission().getCanPublish() && self.getPermission().getCanSubscribe());
        assertEquals(List.of(), join.getOtherParticipantsList());
        assertTrue(join.getSubscriberPrimary(), "the server offers the subscriber connection first");
        assertEquals(5, join.getPingInterval());
        assertEquals(15, join.getPingTimeout());
        assertEquals("1.9.0", join.getServerInfo().getVersion());

        // The server offers the subscriber connection (with its data channels) right away.
        SignalResponse offer = alice.expect(SignalResponse.MessageCase.OFFER);
        assertEquals("offer", offer.getOffer().getType());
        assertTrue(offer.getOffer().getSdp().contains("m=application"), "data channels in the subscriber offer");

        TestRtcClient bob = join("room-1", "bob");
        assertEquals(List.of("alice"), bob.joinResponse().getOtherParticipantsList().stream()
                .map(ParticipantInfo::getIdentity).toList());
        ParticipantInfo bobSeenByAlice = alice.expectUpdate("bob", ParticipantInfo.State.JOINED);
        assertEquals(bob.self().getSid(), bobSeenByAlice.getSid());
        assertEquals(List.of("alice", "bob"), identitiesIn("room-1"));
        assertTrue(findRtcEvent(RtcEvent.ParticipantJoined.class, e -> e.identity().equals("bob")).isPresent());
    }

    @Test
    void pingAndPingReqAreAnswered() {
        TestRtcClient alice = join("room-1", "alice");
        alice.send(SignalRequest.newBuilder().setPing(1234).build());
        assertTrue(alice.expect(SignalResponse.MessageCase.PONG).getPong() > 0);
        alice.roundTrip(5678); // ping_req → pong_resp with last_ping_timestamp
    }

    @Test
    void aJobAssignmentTokenJoinsAsTheAgent() {
        try (TestWorker worker = TestWorker.connect(server.wsUrl(), Tokens.worker(KEY, SECRET))) {
            worker.register("echo");
            server.createDispatch("room-1", "echo", "");
            String jobId = worker.expectOffer().getJob().getId();
            worker.answer(jobId, true);
            JobAssignment assignment = worker.expect(ServerMessage.MessageCase.ASSIGNMENT).getAssignment();

            // The agent joins with exactly the token it was handed, in the Authorization header.
            TestRtcClient agent = track(TestRtcClient.connect(URI.create(server.wsUrl() + "/rtc?protocol=16"),
                    assignment.getToken()));
            ParticipantInfo self = agent.expect(SignalResponse.MessageCase.JOIN).getJoin().getParticipant();
            assertEquals("agent-" + jobId, self.getIdentity());
            assertEquals(ParticipantInfo.Kind.AGENT, self.getKind());
            assertTrue(self.getPermission().getAgent());
            assertEquals(List.of("agent-" + jobId), identitiesIn("room-1"));
            assertEquals(ParticipantInfo.Kind.AGENT,
                    server.room("room-1").orElseThrow().participants().get(0).kind());
        }
    }

    @Test
    void addTrackIsAnsweredWithTheTrackInfoAndMuteAndSubscriptionAreAccepted() {
        TestRtcClient alice = join("room-1", "alice");
        alice.send(SignalRequest.newBuilder().setAddTrack(AddTrackRequest.newBuilder()
                .setCid("local-track-1").setName("mic").setType(TrackType.AUDIO)
                .setSource(TrackSource.MICROPHONE)).build());
        SignalResponse published = alice.expect(SignalResponse.MessageCase.TRACK_PUBLISHED);
        assertEquals("local-track-1", published.getTrackPublished().getCid());
        assertTrue(published.getTrackPublished().getTrack().getSid().startsWith("TR_"));
        assertEquals(TrackType.AUDIO, published.getTrackPublished().getTrack().getType());
        assertEquals("mic", published.getTrackPublished().getTrack().getName());
        assertEquals(TrackSource.MICROPHONE, published.getTrackPublished().getTrack().getSource());

        String sid = published.getTrackPublished().getTrack().getSid();
        alice.send(SignalRequest.newBuilder().setMute(MuteTrackRequest.newBuilder().setSid(sid).setMuted(true)).build());
        alice.send(SignalRequest.newBuilder().setSubscription(UpdateSubscription.newBuilder()
                .addTrackSids("TR_unknown").setSubscribe(false)).build());
        alice.roundTrip(1);
        assertEquals(List.of(), rtcEvents(RtcEvent.SignalError.class), "mute and subscription are valid requests");
    }

    @Test
    void aClientLeaveTellsTheOthersAndClosesItsSocket() {
        TestRtcClient alice = join("room-1", "alice");
        TestRtcClient bob = join("room-1", "bob");
        alice.expectUpdate("bob", ParticipantInfo.State.JOINED);

        bob.send(SignalRequest.newBuilder().setLeave(LeaveRequest.newBuilder()
                .setReason(DisconnectReason.CLIENT_INITIATED).setAction(LeaveRequest.Action.DISCONNECT)).build());

        ParticipantInfo gone = alice.expectUpdate("bob", ParticipantInfo.State.DISCONNECTED);
        assertEquals(DisconnectReason.CLIENT_INITIATED, gone.getDisconnectReason());
        assertEquals(1000, bob.awaitClose().statusCode());
        assertEquals(List.of("alice"), identitiesIn("room-1"));
    }

    @Test
    void deletingTheRoomSendsLeaveToEveryParticipantAndDisconnectsThem() {
        TestRtcClient alice = join("room-1", "alice");
        TestRtcClient bob = join("room-1", "bob");
        TestRtcClient elsewhere = join("room-2", "carol");

        assertTrue(server.deleteRoom("room-1"));

        for (TestRtcClient client : List.of(alice, bob)) {
            LeaveRequest leave = client.expect(SignalResponse.MessageCase.LEAVE).getLeave();
            assertEquals(DisconnectReason.ROOM_DELETED, leave.getReason());
            assertEquals(LeaveRequest.Action.DISCONNECT, leave.getAction());
            assertEquals(1000, client.awaitClose().statusCode());
        }
        assertTrue(server.room("room-1").isEmpty());
        assertEquals(2, rtcEvents(RtcEvent.ParticipantLeft.class).stream()
                .filter(e -> e.reason() == DisconnectReason.ROOM_DELETED).count());
        elsewhere.roundTrip(7);
        assertEquals(List.of("carol"), identitiesIn("room-2"));
    }

    @Test
    void aSecondConnectionWithTheSameIdentityReplacesTheFirst() {
        TestRtcClient first = join("room-1", "alice");
        TestRtcClient second = join("room-1", "alice");

        assertEquals(DisconnectReason.DUPLICATE_IDENTITY,
                first.expect(SignalResponse.MessageCase.LEAVE).getLeave().getReason());
        first.awaitClose();
        assertEquals(List.of("alice"), identitiesIn("room-1"));
        assertEquals(second.self().getSid(), server.room("room-1").orElseThrow().participants().get(0).sid());
    }

    @Test
    void removeParticipantSendsLeaveAndTheOthersSeeItGo() {
        TestRtcClient alice = join("room-1", "alice");
        TestRtcClient bob = join("room-1", "bob");

        assertTrue(server.removeParticipant("room-1", "bob"));
        assertFalse(server.removeParticipant("room-1", "nobody"));

        assertEquals(DisconnectReason.PARTICIPANT_REMOVED, bob.expect(SignalResponse.MessageCase.LEAVE).getLeave()
                .getReason());
        alice.expectUpdate("bob", ParticipantInfo.State.DISCONNECTED);
        ParticipantView remaining = server.room("room-1").orElseThrow().participants().get(0);
        assertEquals(Set.of("alice"), Set.of(remaining.identity()));
    }
}
