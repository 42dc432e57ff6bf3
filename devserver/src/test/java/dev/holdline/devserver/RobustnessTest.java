package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.testing.AgentTestSupport;
import dev.holdline.devserver.testing.TestWorker;
import java.util.function.Consumer;
import livekit.LivekitAgent.AvailabilityResponse;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.UpdateWorkerStatus;
import livekit.LivekitAgent.WorkerMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A misbehaving worker is logged at WARN, named, and survived: its socket stays open (except for
 * a non-register first message) and other workers keep getting jobs.
 */
class RobustnessTest extends AgentTestSupport {
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Logger agentLogger;

    @BeforeEach
    void captureLogs() {
        agentLogger = (Logger) LoggerFactory.getLogger("dev.holdline.devserver.agent");
        logs.start();
        agentLogger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        agentLogger.detachAppender(logs);
    }

    /** Lets {@code misbehave} act on a registered worker, then checks the WARN, the event, and that dispatch goes on. */
    private void assertSurvived(Consumer<TestWorker> misbehave, String expectedDescription) {
        TestWorker culprit = registeredWorker("noisy");
        TestWorker bystander = registeredWorker("echo");

        misbehave.accept(culprit);

        AgentEvent.ProtocolError error = awaitEvent(AgentEvent.ProtocolError.class,
                e -> e.description().contains(expectedDescription));
        assertEquals(culprit.workerId(), error.workerIdOrRemote());
        assertWarned(culprit.workerId(), expectedDescription);

        // The bystander still gets jobs, and so does the culprit: its connection survived.
        acceptOneJob(bystander, "echo");
        acceptOneJob(culprit, "noisy");
        assertTrue(server.workers().stream().allMatch(w -> w.connected()));
    }

    private void acceptOneJob(TestWorker worker, String agentName) {
        server.createDispatch("room-" + agentName, agentName, "");
        String jobId = worker.expectOffer().getJob().getId();
        worker.answer(jobId, true);
        assertEquals(jobId, worker.expect(ServerMessage.MessageCase.ASSIGNMENT).getAssignment().getJob().getId());
    }

    private void assertWarned(String who, String text) {
        assertTrue(logs.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
                        && e.getFormattedMessage().contains(who)
                        && e.getFormattedMessage().contains(text)),
                () -> "no WARN naming " + who + " and '" + text + "' in " + logs.list);
    }

    @Test
    void garbageBytesAreLoggedAndIgnored() {
        assertSurvived(w -> w.sendBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}),
                "undecodable binary frame (4 bytes)");
    }

    @Test
    void aTextFrameIsLoggedAndIgnored() {
        assertSurvived(w -> w.sendText("{\"register\":{}}"), "text frame");
    }

    @Test
    void anEmptyMessageIsLoggedAndIgnored() {
        assertSurvived(w -> w.sendBytes(new byte[0]), "empty WorkerMessage");
    }

    @Test
    void aMessageOfOnlyUnknownFieldsIsLoggedAndIgnored() {
        byte[] field99 = {(byte) 0x98, 0x06, 0x01}; // field 99, varint 1
        assertSurvived(w -> w.sendBytes(field99), "field numbers [99]");
    }

    @Test
    void anAvailabilityResponseForAnUnknownJobIsLoggedAndIgnored() {
        assertSurvived(w -> w.answer(AvailabilityResponse.newBuilder().setJobId("AJ_nonexistent").setAvailable(true).build()),
                "unknown job 'AJ_nonexistent'");
    }

    @Test
    void aNonRegisterMessageBeforeRegisterClosesOnlyThatSocket() {
        TestWorker bystander = registeredWorker("echo");
        TestWorker culprit = connect();
        culprit.send(WorkerMessage.newBuilder().setUpdateWorker(UpdateWorkerStatus.newBuilder().setLoad(0.1f)).build());

        TestWorker.Close close = culprit.awaitClose();
        assertEquals(1008, close.statusCode());
        assertTrue(close.reason().contains("first message must be register"), close.reason());
        AgentEvent.ProtocolError error = awaitEvent(AgentEvent.ProtocolError.class, e -> true);
        assertTrue(error.workerIdOrRemote().startsWith("127.0.0.1:"));
        assertWarned(error.workerIdOrRemote(), "expected register as the first message, got update_worker");
        acceptOneJob(bystander, "echo");
    }

    @Test
    void garbageBeforeRegisterIsIgnoredAndTheWorkerCanStillRegister() {
        TestWorker worker = connect();
        worker.sendBytes(new byte[] {(byte) 0xFF, 0x00});
        awaitEvent(AgentEvent.ProtocolError.class, e -> e.description().contains("undecodable"));
        worker.register("echo");
        acceptOneJob(worker, "echo");
    }

    @Test
    void noLogLineContainsTheSecretOrAFullToken() {
        TestWorker worker = registeredWorker("echo");
        acceptOneJob(worker, "echo");
        server.createDispatch("room-x", "nobody", "");
        awaitEvent(AgentEvent.JobUnassigned.class, e -> true);
        assertFalse(logs.list.isEmpty());
        for (ILoggingEvent event : logs.list) {
            assertFalse(event.getFormattedMessage().contains(SECRET), event.getFormattedMessage());
            assertFalse(event.getFormattedMessage().contains("eyJ"), "token in log: " + event.getFormattedMessage());
        }
    }
}
