package dev.holdline.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.worker.handler.AgentHandler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bad frames from the server are logged and survived; the worker keeps taking jobs. */
@ExtendWith(NoLeakedThreads.class)
class BadInputTest {
    private final Fixture fx = new Fixture();
    private final Set<String> ran = ConcurrentHashMap.newKeySet();
    private final AgentHandler handler = session -> ran.add(session.job().id());

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /** Sends {@code frame}, waits for the log line, then proves both workers still take jobs. */
    private void survives(Runnable inject, String expectedLog, ListAppender<ILoggingEvent> logs,
                          Worker target, Worker bystander) throws Exception {
        inject.run();
        await().atMost(Duration.ofSeconds(5)).until(() -> Fixture.messages(logs).stream()
                .anyMatch(m -> m.contains(expectedLog)));
        assertEquals(1, target.registrations(), "the bad frame cost the worker its connection");
        assertEquals(1, bystander.registrations());
        runsAJob(target);
        runsAJob(bystander);
    }

    private void runsAJob(Worker worker) throws Exception {
        // A dedicated agent name per worker routes the job to exactly that worker.
        var d = fx.dispatch("room-" + System.nanoTime(), worker.options().agentName(), "");
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.server.jobs().stream().anyMatch(j ->
                j.dispatchId().equals(d.getId()) && j.status() == JobStatus.JS_SUCCESS && ran.contains(j.jobId())));
    }

    @Test
    void garbageTextUnknownAndMisdirectedFramesAreLoggedAndSurvived() throws Exception {
        var connLogs = fx.captureLogs("dev.holdline.worker.protocol.AgentConnection");
        var workerLogs = fx.captureLogs("dev.holdline.worker.Worker");
        var dispatchLogs = fx.captureLogs("dev.holdline.worker.dispatch.JobDispatcher");
        Worker target = fx.start(fx.worker("target", handler));
        Worker bystander = fx.start(fx.worker("bystander", handler));
        String id = target.workerId();

        survives(() -> fx.server.sendRaw(id, new byte[] {(byte) 0xff, 0x13, 0x37, 0x00, (byte) 0x80}),
                "malformed protobuf frame (5 bytes)", connLogs, target, bystander);

        survives(() -> fx.server.sendText(id, "{\"type\": \"availability\", \"job\": {}}"),
                "text frame where binary protobuf was expected", connLogs, target, bystander);

        ServerMessage unknown = ServerMessage.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build())
                .build()).build();
        survives(() -> fx.server.sendRaw(id, unknown.toByteArray()),
                "unknown message (fields [99])", workerLogs, target, bystander);

        ServerMessage wrongAgent = ServerMessage.newBuilder().setAvailability(AvailabilityRequest.newBuilder()
                .setJob(LivekitAgent.Job.newBuilder().setId("AJ_elsewhere").setAgentName("someone-else")
                        .setRoom(LivekitModels.Room.newBuilder().setName("r")))).build();
        survives(() -> fx.server.sendRaw(id, wrongAgent.toByteArray()),
                "it is for agent 'someone-else' but this worker serves 'target'", dispatchLogs, target, bystander);
        // The decline reached the server (which never offered that job, so it calls it unknown).
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.server.events().stream().anyMatch(e ->
                e instanceof AgentEvent.ProtocolError p && p.description().contains("AJ_elsewhere")));
        assertTrue(ran.stream().noneMatch("AJ_elsewhere"::equals));
    }

    @Test
    void aServerMessageBeforeTheRegistrationAnswerIsIgnored() throws Exception {
        var connLogs = fx.captureLogs("dev.holdline.worker.protocol.AgentConnection");
        ServerMessage early = ServerMessage.newBuilder().setAvailability(AvailabilityRequest.newBuilder()
                .setJob(LivekitAgent.Job.newBuilder().setId("AJ_early").setAgentName("target"))).build();
        fx.server.sendToNextConnection(early.toByteArray());
        Worker target = fx.start(fx.worker("target", handler));
        Worker bystander = fx.start(fx.worker("bystander", handler));
        await().atMost(Duration.ofSeconds(5)).until(() -> Fixture.messages(connLogs).stream()
                .anyMatch(m -> m.contains("sent availability before answering our registration")));
        assertEquals(List.of(), List.copyOf(target.activeJobIds()));
        runsAJob(target);
        runsAJob(bystander);
    }
}
