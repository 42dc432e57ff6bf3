package dev.holdline.loadtest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.examples.EchoAgent;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.worker.Worker;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobRequest;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.room.DataMessage;
import dev.holdline.worker.room.Room;
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.room.RoomListener;
import dev.holdline.worker.room.RoomException;
import io.livekit.server.AccessToken;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgentDispatch.AgentDispatch;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import livekit.LivekitRtc.TrickleRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a session with a room ends, and what bad room input does (and does not) cost. */
class RoomSessionTest {
    private DevServer server;
    private Worker worker;
    private RoomConnector connector;
    private final Map<String, EndReason> ended = new ConcurrentHashMap<>();
    private final List<Exception> replyFailures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = Calls.server()
                .pingInterval(Duration.ofSeconds(1)).signalTimeout(Duration.ofSeconds(3)).build().start();
        AgentHandler echo = new AgentHandler() {
            private final EchoAgent inner = new EchoAgent();

            @Override
            public void run(Session session) throws Exception {
                session.addShutdownCallback(reason -> ended.put(session.roomName(), reason));
                // Answers each data message from its listener (which runs off the room's loop, so
                // sending from it is allowed); the echo below reuses the same room.
                Room room = session.connect();
                room.addListener(new RoomListener() {
                    @Override
                    public void onData(DataMessage m) {
                        try {
                            room.sendData(("heard " + m.text()).getBytes(StandardCharsets.UTF_8), "reply", true,
                                    m.senderIdentity());
                        } catch (RoomException e) {
                            replyFailures.add(e);
                        }
                    }
                });
                inner.run(session);
            }

            @Override
            public void onRequest(JobRequest request) {
                request.accept("echo-" + request.job().roomName(), "echo", "", Map.of());
            }
        };
        worker = Calls.registered(Calls.worker(server, "echo", echo).terminationGrace(Duration.ofSeconds(2)).build());
        connector = new RoomConnector();
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
        if (connector != null) {
            connector.close();
        }
        server.close();
    }

    private SyntheticCaller call(String room) throws Exception {
        SyntheticCaller caller = SyntheticCaller.join(connector, server.httpUrl(),
                server.participantToken(room, "caller-" + room), "caller-" + room, SyntheticCaller.Options.defaults());
        caller.awaitAgent(Duration.ofSeconds(15));
        await().atMost(Duration.ofSeconds(15)).until(() -> caller.report().loudFrames() >= 50);
        return caller;
    }

    private Optional<JobView> job(String room) {
        return server.jobs().stream().filter(j -> j.room().equals(room)).findFirst();
    }

    @Test
    void theSessionEndsWhenTheCallerLeaves() throws Exception {
        server.createDispatch("leave", "echo", "");
        SyntheticCaller caller = call("leave");
        caller.hangUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> ended.containsKey("leave"));
        assertEquals(EndReason.CALLER_LEFT, ended.get("leave"));
        await().atMost(Duration.ofSeconds(5)).until(() -> job("leave").map(JobView::status).orElse(null) == JobStatus.JS_SUCCESS);
        assertEquals(0, worker.activeSessions());
    }

    @Test
    void jobTerminationEndsTheSessionAndTheAgentLeavesTheRoom() throws Exception {
        AgentDispatch dispatch = server.createDispatch("terminate", "echo", "");
        try (SyntheticCaller caller = call("terminate")) {
            server.deleteDispatch(dispatch.getId(), "terminate");
            await().atMost(Duration.ofSeconds(10)).until(() -> ended.containsKey("terminate"));
            assertEquals(EndReason.JOB_TERMINATED, ended.get("terminate"));
            await().atMost(Duration.ofSeconds(10)).until(() -> caller.report().agentLeft());
            assertEquals(0, worker.activeSessions());
        }
    }

    @Test
    void aCallerThatVanishesWithoutLeavingEndsTheSession() throws Exception {
        Optional<String> why = NodeParticipant.unavailableReason();
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        server.createDispatch("vanish", "echo", "");
        Map<String, String> env = new HashMap<>(Map.of("LIVEKIT_URL", server.wsUrl(), "LIVEKIT_API_KEY",
                Calls.KEY, "LIVEKIT_API_SECRET", Calls.SECRET, "ROOM", "vanish",
                "IDENTITY", "node-caller", "ROLE", "publisher"));
        NodeParticipant node = NodeParticipant.start("vanisher", env);
        try {
            node.await("PUBLISHED", Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(15)).until(() -> worker.activeSessions() == 1);
            // SIGKILL: no leave, no close frame from the client itself.
            node.killHard();
            await().atMost(Duration.ofSeconds(15)).until(() -> ended.containsKey("vanish"));
            assertEquals(EndReason.CALLER_LEFT, ended.get("vanish"));
        } finally {
            node.close();
        }
    }

    @Test
    void aBadRoomTokenFailsClearlyAndACallInProgressCarriesOn() throws Exception {
        server.createDispatch("steady", "echo", "");
        try (SyntheticCaller caller = call("steady")) {
            long silentBefore = caller.report().silentFrames();
            AccessToken forged = new AccessToken(Calls.KEY, "not-the-secret-0123456789abcdef");
            forged.setIdentity("intruder");
            forged.addGrants(new RoomJoin(true), new RoomName("steady"));
            String forgedJwt = forged.toJwt();
            RoomException e = assertThrows(RoomException.class,
                    () -> connector.connect(server.httpUrl(), forgedJwt, "intruder", null));
            System.out.println("bad token refused: " + e.getMessage());
            assertFalse(e.getMessage().contains(forgedJwt), "the error quotes the token");
            assertTrue(e.getMessage().contains("401") || e.getMessage().toLowerCase().contains("signature")
                    || e.getMessage().toLowerCase().contains("refused"), e.getMessage());

            AccessToken noRoom = new AccessToken(Calls.KEY, Calls.SECRET);
            noRoom.setIdentity("lost");
            noRoom.addGrants(new RoomJoin(true));
            assertThrows(RoomException.class, () -> connector.connect(server.httpUrl(), noRoom.toJwt(), "lost", null));

            long before = caller.report().loudFrames();
            await().atMost(Duration.ofSeconds(10)).until(() -> caller.report().loudFrames() >= before + 200);
            SyntheticCaller.Report r = caller.report();
            assertTrue(r.silentFrames() - silentBefore <= 2, "the call in progress went silent: " + r);
        }
    }

    @Test
    void dataMessagesReachTheAgentAndItsRepliesReachTheCaller() throws Exception {
        server.createDispatch("data", "echo", "");
        try (SyntheticCaller caller = call("data")) {
            BlockingQueue<DataMessage> replies = new LinkedBlockingQueue<>();
            caller.room().addListener(new RoomListener() {
                @Override
                public void onData(DataMessage m) {
                    replies.add(m);
                }
            });
            caller.room().sendData("hello".getBytes(StandardCharsets.UTF_8), "chat", true, "echo-data");
            caller.room().sendData("again".getBytes(StandardCharsets.UTF_8), "chat", true);
            DataMessage first = replies.poll(10, TimeUnit.SECONDS);
            DataMessage second = replies.poll(10, TimeUnit.SECONDS);
            assertTrue(first != null && second != null, "replies heard: " + first + ", " + second + "; " + replyFailures);
            assertEquals("heard hello", first.text());
            assertEquals("heard again", second.text());
            assertEquals("reply", first.topic());
            assertEquals("echo-data", first.senderIdentity());
            assertTrue(replyFailures.isEmpty(), replyFailures::toString);
        }
    }

    @Test
    void malformedSignalsToTheAgentAreLoggedAndItsCallsCarryOn() throws Exception {
        server.createDispatch("target", "echo", "");
        server.createDispatch("bystander", "echo", "");
        try (SyntheticCaller target = call("target"); SyntheticCaller bystander = call("bystander")) {
            SyntheticCaller.Report targetBefore = target.report();
            SyntheticCaller.Report bystanderBefore = bystander.report();
            byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff};
            // Field 999 is no SignalResponse field: it parses, with nothing set.
            byte[] unknown = {(byte) 0xb8, 0x3e, 0x01};
            byte[] badOffer = SignalResponse.newBuilder().setOffer(SessionDescription.newBuilder()
                    .setType("offer").setSdp("this is not SDP").setId(77)).build().toByteArray();
            byte[] badCandidate = SignalResponse.newBuilder().setTrickle(TrickleRequest.newBuilder()
                    .setTarget(SignalTarget.SUBSCRIBER).setCandidateInit("{not json")).build().toByteArray();
            byte[] badAnswer = SignalResponse.newBuilder().setAnswer(SessionDescription.newBuilder()
                    .setType("answer").setSdp("v=0\r\nnonsense").setId(78)).build().toByteArray();
            byte[] nonsenseCandidate = SignalResponse.newBuilder().setTrickle(TrickleRequest.newBuilder()
                    .setTarget(SignalTarget.PUBLISHER)
                    .setCandidateInit("{\"candidate\":\"candidate:nonsense\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"))
                    .build().toByteArray();
            for (byte[] frame : List.of(garbage, unknown, badOffer, badCandidate, badAnswer, nonsenseCandidate)) {
                assertTrue(server.sendRawSignal("target", "echo-target", frame), "the agent is in the room");
            }
            // Both calls keep their audio, and neither agent left, rejoined or ended its session.
            for (SyntheticCaller caller : List.of(target, bystander)) {
                long loud = caller.report().loudFrames();
                await().atMost(Duration.ofSeconds(10)).until(() -> caller.report().loudFrames() >= loud + 300);
            }
            SyntheticCaller.Report t = target.report();
            SyntheticCaller.Report b = bystander.report();
            assertTrue(t.silentFrames() - targetBefore.silentFrames() <= 5, "the targeted call went silent: " + t);
            assertTrue(b.silentFrames() - bystanderBefore.silentFrames() <= 5, "the other call went silent: " + b);
            assertFalse(t.agentLeft(), "the targeted agent left the room");
            assertEquals(2, worker.activeSessions());
            assertFalse(ended.containsKey("target"), "the targeted session ended: " + ended);
        }
    }

    @Test
    void anAssignmentTokenForAnotherRoomFailsTheJobClearlyWithoutJoining() throws Exception {
        server.assignTokensForRoom("someone-elses-call");
        server.createDispatch("misrouted", "echo", "");
        await().atMost(Duration.ofSeconds(15)).until(() -> job("misrouted").map(JobView::status).orElse(null)
                == JobStatus.JS_FAILED);
        String error = job("misrouted").orElseThrow().error();
        System.out.println("misrouted token: " + error);
        assertTrue(error.contains("'someone-elses-call'") && error.contains("'misrouted'"), error);
        assertFalse(error.contains("eyJ"), "the error quotes a token: " + error);
        assertTrue(server.room("someone-elses-call").map(r -> r.participants().isEmpty()).orElse(true),
                "the agent joined the other room");
        assertEquals(0, worker.activeSessions());
    }
}
