package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.AgentService;
import dev.holdline.devserver.agent.WorkerView;
import dev.holdline.devserver.testing.AgentTestSupport;
import dev.holdline.devserver.testing.TestWorker;
import java.time.Duration;
import livekit.LivekitAgent.JobTermination;
import livekit.LivekitAgent.RegisterWorkerResponse;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerPing;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitModels.ServerInfo;
import org.junit.jupiter.api.Test;

class RegistrationTest extends AgentTestSupport {

    @Test
    void registeringReturnsAWorkerIdAndServerInfo() {
        TestWorker worker = connect();
        worker.send(WorkerMessage.newBuilder()
                .setRegister(livekit.LivekitAgent.RegisterWorkerRequest.newBuilder().setAgentName("echo"))
                .build());
        RegisterWorkerResponse response = worker.expect(ServerMessage.MessageCase.REGISTER).getRegister();

        assertTrue(response.getWorkerId().matches("AW_[0-9A-Za-z]{12}"), response.getWorkerId());
        assertEquals(ServerInfo.Edition.Standard, response.getServerInfo().getEdition());
        assertEquals(AgentService.SERVER_VERSION, response.getServerInfo().getVersion());
        assertEquals(AgentService.PROTOCOL_VERSION, response.getServerInfo().getProtocol());
        AgentEvent.WorkerRegistered registered = awaitEvent(AgentEvent.WorkerRegistered.class, e -> true);
        assertEquals(new AgentEvent.WorkerRegistered(response.getWorkerId(), "echo"), registered);
    }

    @Test
    void aRegisteredWorkerIsListedAsAvailableAndConnected() {
        String id = registeredWorker("echo").workerId();
        assertEquals(new WorkerView(id, "echo", WorkerStatus.WS_AVAILABLE, 0f, 0, true), server.workers().getFirst());
    }

    @Test
    void aConnectionThatDoesNotRegisterInTimeIsClosed() {
        server.close();
        server = DevServer.builder().port(0).key(KEY, SECRET).registerTimeout(Duration.ofMillis(300)).build().start();
        TestWorker worker = connect();
        TestWorker.Close close = worker.awaitClose();
        assertEquals(1008, close.statusCode());
        assertEquals("register timeout", close.reason());
        awaitEvent(AgentEvent.ProtocolError.class, e -> e.description().contains("no register message"));
        assertTrue(server.workers().isEmpty());
    }

    @Test
    void aConnectionWhoseFirstMessageIsNotRegisterIsClosedWithTheReason() {
        TestWorker worker = connect();
        worker.send(WorkerMessage.newBuilder().setPing(WorkerPing.newBuilder().setTimestamp(1)).build());
        TestWorker.Close close = worker.awaitClose();
        assertEquals(1008, close.statusCode());
        assertEquals("first message must be register, got ping", close.reason());
        AgentEvent.ProtocolError error = awaitEvent(AgentEvent.ProtocolError.class, e -> true);
        assertTrue(error.workerIdOrRemote().startsWith("127.0.0.1:"), error.workerIdOrRemote());
    }

    @Test
    void aPingIsAnsweredWithAPongEchoingItsTimestamp() {
        TestWorker worker = registeredWorker("echo");
        worker.send(WorkerMessage.newBuilder().setPing(WorkerPing.newBuilder().setTimestamp(12345)).build());
        var pong = worker.expect(ServerMessage.MessageCase.PONG).getPong();
        assertEquals(12345, pong.getLastTimestamp());
        assertTrue(pong.getTimestamp() > 0);
    }

    @Test
    void aStatusUpdateWithoutStatusKeepsThePreviousStatus() {
        TestWorker worker = registeredWorker("echo");
        reportStatus(worker, WorkerStatus.WS_FULL, 0.9f);
        worker.send(WorkerMessage.newBuilder()
                .setUpdateWorker(UpdateWorkerStatus.newBuilder().setLoad(0.5f).setJobCount(3))
                .build());
        awaitEvent(AgentEvent.StatusUpdated.class, e -> e.jobCount() == 3);
        WorkerView view = server.workers().getFirst();
        assertEquals(WorkerStatus.WS_FULL, view.status());
        assertEquals(0.5f, view.load());
        assertEquals(3, view.jobCount());
    }

    @Test
    void aFrameQueuedForTheNextConnectionArrivesBeforeRegistration() {
        ServerMessage early = ServerMessage.newBuilder()
                .setTermination(JobTermination.newBuilder().setJobId("AJ_early"))
                .build();
        server.sendToNextConnection(early.toByteArray());
        TestWorker worker = connect();
        assertEquals(early, worker.nextFrame().decode());
        worker.register("echo"); // the worker can still register afterwards
        TestWorker second = connect(); // one-shot: the next connection gets nothing extra
        second.register("echo");
        assertTrue(second.pending().isEmpty());
    }

    @Test
    void aWorkerThatClosesItsSocketIsKeptButMarkedDisconnected() {
        TestWorker worker = registeredWorker("echo");
        worker.abort();
        awaitEvent(AgentEvent.WorkerDisconnected.class, e -> e.workerId().equals(worker.workerId()));
        assertFalse(server.workers().getFirst().connected());
    }

    @Test
    void disconnectWorkerDropsTheWorkersSocket() {
        TestWorker worker = registeredWorker("echo");
        assertTrue(server.disconnectWorker(worker.workerId()));
        // Checked on the server side only: the JDK client occasionally leaves a connection the
        // peer dropped without a close frame in CLOSE_WAIT without telling its listener.
        awaitEvent(AgentEvent.WorkerDisconnected.class, e -> e.workerId().equals(worker.workerId()));
        assertFalse(server.disconnectWorker(worker.workerId()), "already gone");
        assertFalse(server.disconnectWorker("AW_unknown"));
    }

    @Test
    void rawAndTextFramesCanBeInjectedToARegisteredWorker() {
        TestWorker worker = registeredWorker("echo");
        assertTrue(server.sendRaw(worker.workerId(), new byte[] {1, 2, 3}));
        assertTrue(server.sendText(worker.workerId(), "{\"hello\":1}"));
        assertEquals(3, worker.nextFrame().bytes().length);
        assertEquals("{\"hello\":1}", worker.nextFrame().text());
    }

    @Test
    void aSecondRegisterIsIgnoredAndTheWorkerKeepsItsId() {
        TestWorker worker = registeredWorker("echo");
        worker.send(WorkerMessage.newBuilder()
                .setRegister(livekit.LivekitAgent.RegisterWorkerRequest.newBuilder().setAgentName("other"))
                .build());
        awaitEvent(AgentEvent.ProtocolError.class, e -> e.description().contains("duplicate register"));
        assertEquals(1, server.workers().size());
        assertEquals("echo", server.workers().getFirst().agentName());
    }
}
