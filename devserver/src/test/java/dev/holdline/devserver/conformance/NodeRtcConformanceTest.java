package dev.holdline.devserver.conformance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.rtc.ParticipantView;
import dev.holdline.devserver.rtc.RoomView;
import dev.holdline.devserver.rtc.RtcEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels.DisconnectReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conformance with LiveKit's own client: two {@code @livekit/rtc-node} participants (LiveKit's
 * Rust SDK, real WebRTC) join a room on the dev server over {@code /rtc}; one publishes a 440 Hz
 * sine, the other hears it through the server's relay and measures it; a data message goes from
 * one to the other; then the publisher's process is killed and the listener must see it leave.
 *
 * <p>The Node side is {@code src/test/node/rtc-participant.mjs} (it prints its measurement as JSON);
 * install it with {@code npm ci --prefix devserver/src/test/node}. Skipped only when node/npm are
 * missing or the packages are not installed.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class NodeRtcConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String API_KEY = "devkey";
    private static final String API_SECRET = "rtc-conformance-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path nodeDir;
    private DevServer server;
    private final List<RtcEvent> events = new CopyOnWriteArrayList<>();
    private final List<NodeProcess> processes = new ArrayList<>();
    private final Set<ProcessHandle> seenProcesses = new LinkedHashSet<>();

    @BeforeEach
    void requireNodeAndPackages() {
        nodeDir = NodeDirs.locate();
        skipUnless(NodeProcess.commandWorks("node", "--version"),
                "node is not on PATH: the Node conformance test needs Node.js >= 20 and npm");
        skipUnless(NodeProcess.isInstalled(nodeDir, "@livekit/rtc-node")
                        && NodeProcess.isInstalled(nodeDir, "livekit-server-sdk"),
                "npm packages not installed in " + nodeDir + ": run npm ci --prefix devserver/src/test/node");
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("[NodeRtcConformanceTest] SKIPPED: " + reason);
        }
        assumeTrue(condition, reason);
    }

    @AfterEach
    void tearDown() {
        try {
            for (NodeProcess process : processes) {
                seenProcesses.addAll(process.tree());
                process.close();
            }
            List<ProcessHandle> left = NodeProcess.alive(seenProcesses);
            assertTrue(left.isEmpty(), "Node processes left running after teardown: " + left);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void twoOfficialClientsHearEachOtherThroughTheServerAndTheListenerSeesTheCallerVanish() throws Exception {
        server = DevServer.builder().port(0).key(API_KEY, API_SECRET).build().start();
        server.addRtcListener(event -> {
            events.add(event);
            System.out.println("[devserver rtc event] " + event);
        });
        String room = "rtc-conformance-" + UUID.randomUUID().toString().substring(0, 8);

        NodeProcess listener = participant("listener", room, "listener", "caller");
        NodeProcess caller = participant("caller", room, "publisher", "listener");

        // The listener measures 10 s of the caller's sine as it arrives through the server.
        JsonNode result = JSON.readTree(awaitTagged(listener, "RESULT"));
        System.out.println("[NodeRtcConformanceTest] listener measured: " + result.toPrettyString());
        System.out.println("[NodeRtcConformanceTest] join times: caller " + awaitTagged(caller, "JOINED")
                + ", listener " + awaitTagged(listener, "JOINED"));
        assertTrue(result.get("seconds").asDouble() >= 9.9, () -> "measured too short: " + result);
        assertTrue(Math.abs(result.get("frequencyErrorHz").asDouble()) < 2.0,
                () -> "frequency of what the listener heard should be 440 Hz: " + result);
        assertTrue(result.get("goertzelToneOverNeighbours").asDouble() > 100,
                () -> "440 Hz should dominate 400/480 Hz by far: " + result);
        double rms = result.get("rms").asDouble();
        double expectedRms = result.get("expectedRms").asDouble();
        assertTrue(Math.abs(rms - expectedRms) / expectedRms < 0.2,
                () -> "RMS " + rms + " should be within 20 % of the sine's " + expectedRms + ": " + result);
        assertTrue(result.get("missingRatio").asDouble() < 0.01,
                () -> "less than 1 % of 10 ms frames may be missing: " + result);

        // Data: the addressed message and the broadcast arrive, stamped with the sender; the one
        // addressed to somebody else does not.
        String trackSid = awaitTagged(caller, "PUBLISHED");
        awaitTagged(caller, "DATA_SENT");
        await().alias("both data messages at the listener").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> dataMessages(listener).size() >= 2);
        Map<String, JsonNode> data = dataMessages(listener);
        assertEquals("caller", data.get("hello listener from caller").get("from").asText());
        assertEquals("holdline-test", data.get("hello listener from caller").get("topic").asText());
        assertEquals("holdline-broadcast", data.get("broadcast from caller").get("topic").asText());
        assertFalse(data.containsKey("not for you"), () -> "destination_identities must be honoured: " + data);

        // What the server reports about the room.
        RoomView view = server.room(room).orElseThrow();
        assertEquals(Set.of("listener", "caller"), Set.copyOf(view.identities()));
        ParticipantView callerView = view.participant("caller").orElseThrow();
        assertEquals(1, callerView.tracks().size(), () -> "caller's tracks: " + callerView);
        assertEquals(trackSid, callerView.tracks().get(0).sid());
        ParticipantView.SubscriptionView forwarded = view.participant("listener").orElseThrow().subscriptions().get(0);
        assertEquals(trackSid, forwarded.trackSid());
        assertTrue(forwarded.framesForwarded() > 900, () -> "frames forwarded to the listener: " + forwarded);
        System.out.println("[NodeRtcConformanceTest] relay to listener: " + forwarded);

        // The caller vanishes (SIGKILL: no leave); the listener is told it is gone.
        long killedAt = System.nanoTime();
        seenProcesses.addAll(caller.tree());
        caller.kill();
        assertEquals("caller", awaitTagged(listener, "PARTICIPANT_DISCONNECTED"));
        System.out.println("[NodeRtcConformanceTest] listener saw the caller gone after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms");
        RtcEvent.ParticipantLeft left = events.stream()
                .filter(e -> e instanceof RtcEvent.ParticipantLeft l && l.identity().equals("caller"))
                .map(RtcEvent.ParticipantLeft.class::cast).findFirst().orElseThrow();
        assertEquals(DisconnectReason.SIGNAL_CLOSE, left.reason(), () -> "reason: " + left);
        await().atMost(WAIT).until(() -> server.room(room).map(RoomView::identities).orElse(List.of()),
                identities -> identities.equals(List.of("listener")));
        assertEquals(List.of(), events.stream().filter(RtcEvent.SignalError.class::isInstance).toList(),
                "the official client should cause no signal errors");
    }

    private NodeProcess participant(String name, String room, String role, String peer) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LIVEKIT_URL", server.wsUrl());
        env.put("LIVEKIT_API_KEY", API_KEY);
        env.put("LIVEKIT_API_SECRET", API_SECRET);
        env.put("ROOM", room);
        env.put("IDENTITY", name);
        env.put("ROLE", role);
        env.put("PEER", peer);
        env.put("RUST_LOG", "warn");
        NodeProcess process = NodeProcess.start(name, nodeDir, env, "rtc-participant.mjs");
        processes.add(process);
        return process;
    }

    private static Map<String, JsonNode> dataMessages(NodeProcess process) {
        Map<String, JsonNode> byText = new LinkedHashMap<>();
        for (String line : process.lines()) {
            if (line.startsWith("DATA ")) {
                try {
                    JsonNode node = JSON.readTree(line.substring(5));
                    byText.put(node.get("text").asText(), node);
                } catch (Exception e) {
                    throw new AssertionError("bad DATA line: " + line, e);
                }
            }
        }
        return byText;
    }

    private static String awaitTagged(NodeProcess process, String tag) {
        return await().alias("'" + tag + " ...' from " + process.name()).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .failFast(process.name() + " exited or failed to connect", () -> !process.isAlive()
                        || process.tagged("CONNECT_FAILED").isPresent())
                .until(() -> process.tagged(tag), Optional::isPresent)
                .orElseThrow();
    }
}
