package dev.holdline.loadtest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.examples.EchoAgent;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.worker.Worker;
import dev.holdline.worker.host.HostOptions;
import dev.holdline.worker.room.RoomConnector;
import java.time.Duration;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Media in a session host: the {@code echo} agent runs in a child JVM of the worker, and a
 * synthetic caller hears its own sine back through it.
 */
class HostedEchoCallTest {
    private DevServer server;
    private Worker worker;
    private RoomConnector connector;

    @BeforeEach
    void start() throws Exception {
        server = Calls.server().build().start();
        worker = Calls.registered(Calls.worker(server, "echo", null).handlerClass(EchoAgent.class)
                .sessionHosts(HostOptions.builder().sessionsPerHost(1).startTimeout(Duration.ofSeconds(90)).build()).build());
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
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theCallerHearsItsSineBackThroughAnEchoAgentInASessionHost() throws Exception {
        server.createDispatch("hosted-echo", "echo", "");
        try (SyntheticCaller caller = SyntheticCaller.join(connector, server.httpUrl(),
                server.participantToken("hosted-echo", "caller-1"), "caller-1", SyntheticCaller.Options.defaults())) {
            caller.awaitAgent(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(30)).until(() -> caller.report().loudFrames() >= 200);
            SyntheticCaller.Report start = caller.report();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> caller.report().loudFrames() - start.loudFrames() >= 500);
            SyntheticCaller.Report r = caller.report();
            long loud = r.loudFrames() - start.loudFrames();
            long silent = r.silentFrames() - start.silentFrames();
            System.out.printf("echo call through a session host (5 s): %d loud, %d silent frames, %.1f Hz, RMS %.0f%n",
                    loud, silent, r.frequencyHz(), r.rms());
            // The handler ran in the host, not here.
            assertEquals(1, worker.sessionHosts().stream().filter(h -> h.active() == 1).count(), "the call's host");
            assertTrue(worker.sessionHosts().stream().allMatch(h -> h.pid() != ProcessHandle.current().pid()));
            assertEquals(440.0, r.frequencyHz(), 10.0, "frequency heard");
            assertTrue((double) silent / (loud + silent) < 0.05, "silent frames: " + r);
        }
        // The caller left: the session ends in the host, and the server hears JS_SUCCESS.
        await().atMost(Duration.ofSeconds(20)).until(() -> worker.activeSessions() == 0);
        // The dev server records the status on its own thread, a moment after the worker sent it.
        await().atMost(Duration.ofSeconds(10)).until(() -> server.jobs().stream()
                .anyMatch(j -> j.room().equals("hosted-echo") && j.status() == JobStatus.JS_SUCCESS));
    }
}
