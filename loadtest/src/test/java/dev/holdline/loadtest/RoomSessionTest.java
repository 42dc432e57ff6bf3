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
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.room.RoomException;
import io.livekit.server.AccessToken;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgentDispatch.AgentDispatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a session with a room ends, and what bad room input does (and does not) cost. */
class RoomSessionTest {
    private DevServer server;
    private Worker worker;
    private RoomConnector connector;
    private final Map<String, EndReason> ended = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        server = Calls.server()
                .pingInterval(Duration.ofSeconds(1)).signalTimeout(Duration.ofSeconds(3)).build().start();
        AgentHandler echo = new AgentHandler() {
            private final EchoAgent inner = new EchoAgent();

            @Override
            public void run(Session session) throws Exception {
                session.addShutdownCallback(reason -> ended.put(session.roomName(), reason));
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
}
