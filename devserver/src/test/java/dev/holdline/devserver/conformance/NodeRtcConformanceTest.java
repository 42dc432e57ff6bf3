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
import dev.holdline.devserver.testing.RawHttp;
import dev.holdline.devserver.testing.TestRtcClient;
import dev.holdline.devserver.testing.Tokens;
import java.lang.management.ManagementFactory;
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
import java.util.function.Predicate;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
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

        // The listener measures 10 s of the caller's sine as it arrives through the server, from 1 s
        // after it first hears it (jitter buffers settle; that second's quiet frames are reported).
        assertCleanTone(awaitResult(listener, "caller"), 440, 9.9);
        System.out.println("[NodeRtcConformanceTest] join times: caller " + awaitTagged(caller, "JOINED")
                + ", listener " + awaitTagged(listener, "JOINED"));

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

    /**
     * A listener subscribed to two callers, the second joining while the first one's audio is
     * already being forwarded to it: adding a sender to a connection that is pushing audio is the
     * case the headless audio module's crash workaround must survive (DESIGN.md §4). Pushes into
     * the listener's connection pause while the new sender starts (a few frames of the first tone;
     * reported, not asserted); once both are in, both tones must arrive clean. Then the second
     * caller unpublishes (asked by a data message from the listener): the listener sees the track
     * go and keeps the first. Last, the server is closed under full media: every participant is
     * told, and no server thread is left.
     */
    @Test
    void aListenerHearsTwoCallersAddedOneAfterTheOtherAndClosingTheServerEndsEverything() throws Exception {
        server = DevServer.builder().port(0).key(API_KEY, API_SECRET).build().start();
        server.addRtcListener(events::add);
        String room = "rtc-two-callers-" + UUID.randomUUID().toString().substring(0, 8);
        int threadsBefore = Thread.activeCount();

        NodeProcess listener = participant("listener", room, "listener", "first",
                Map.of("EXPECT", "first:440,second:660", "MEASURE_SECONDS", "8", "SETTLE_AFTER_ALL", "1",
                        "UNPUBLISH_REQUEST", "second"));
        participant("first", room, "publisher", "listener", Map.of("FREQUENCY", "440"));
        awaitTagged(listener, "SUBSCRIBED", line -> line.endsWith(" first"));
        NodeProcess second = participant("second", room, "publisher", "listener", Map.of("FREQUENCY", "660"));

        JsonNode first = awaitResult(listener, "first");
        assertCleanTone(first, 440, 7.9);
        assertCleanTone(awaitResult(listener, "second"), 660, 7.9);
        System.out.println("[NodeRtcConformanceTest] first tone: " + first.get("quietFramesBeforeWindow")
                + " quiet 10 ms frames while the second caller's track was added");
        RoomView view = server.room(room).orElseThrow();
        System.out.println("[NodeRtcConformanceTest] relays to listener: "
                + view.participant("listener").orElseThrow().subscriptions());

        // The second caller unpublishes: its relay leaves the listener's connection, the first stays.
        String secondTrack = awaitTagged(second, "UNPUBLISHED");
        assertEquals("second " + secondTrack, awaitTagged(listener, "TRACK_UNPUBLISHED"));
        await().atMost(WAIT).until(() -> server.room(room).orElseThrow().participant("listener").orElseThrow()
                .subscriptions().stream().map(ParticipantView.SubscriptionView::trackSid).toList().size() == 1);
        assertTrue(server.room(room).orElseThrow().participant("second").orElseThrow().tracks().isEmpty());
        assertTrue(events.stream().anyMatch(e -> e instanceof RtcEvent.TrackUnpublished u
                && u.trackSid().equals(secondTrack)), () -> "events: " + events);
        long forwarded = firstRelayFrames(room);
        await().atMost(WAIT).until(() -> firstRelayFrames(room) > forwarded + 50);
        System.out.println("[NodeRtcConformanceTest] Java threads: " + threadsBefore + " before, "
                + Thread.activeCount() + " with 3 participants");

        server.close();
        for (NodeProcess process : processes) {
            awaitTagged(process, "DISCONNECTED");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> serverThreads().isEmpty());
        System.out.println("[NodeRtcConformanceTest] Java threads after close: " + Thread.activeCount());
        assertEquals(3, events.stream().filter(e -> e instanceof RtcEvent.ParticipantLeft l
                && l.reason() == DisconnectReason.SERVER_SHUTDOWN).count(), () -> "events: " + events);
    }

    /**
     * Isolation: while two official clients exchange audio in one room, another room gets
     * everything broken the tests know of: garbage and unknown frames, a malformed SDP offer,
     * refused joins, a client that vanishes, the room deleted under its participants. The audio in
     * the first room must not notice.
     */
    @Test
    void audioInOneRoomKeepsFlowingWhileAnotherRoomGetsBadInput() throws Exception {
        server = DevServer.builder().port(0).key(API_KEY, API_SECRET).build().start();
        server.addRtcListener(events::add);
        String room = "rtc-steady-" + UUID.randomUUID().toString().substring(0, 8);
        NodeProcess listener = participant("listener", room, "listener", "caller", Map.of("MEASURE_SECONDS", "8"));
        participant("caller", room, "publisher", "listener");
        awaitTagged(listener, "SUBSCRIBED");

        List<TestRtcClient> clients = new ArrayList<>();
        try {
            String other = "rtc-broken-" + UUID.randomUUID().toString().substring(0, 8);
            TestRtcClient alice = TestRtcClient.join(server.wsUrl(), server.participantToken(other, "alice"));
            TestRtcClient bob = TestRtcClient.join(server.wsUrl(), server.participantToken(other, "bob"));
            clients.addAll(List.of(alice, bob));
            alice.sendBytes(new byte[] {(byte) 0xff, 0x00, (byte) 0xfe});
            alice.sendBytes(new byte[] {(byte) 0x98, 0x06, 0x01});
            alice.send(SignalRequest.newBuilder().setOffer(SessionDescription.newBuilder()
                    .setType("offer").setSdp("v=0\r\nnot an sdp\r\n")).build());
            assertEquals(DisconnectReason.STATE_MISMATCH, alice.expect(SignalResponse.MessageCase.LEAVE).getLeave()
                    .getReason());
            for (String token : List.of(Tokens.custom(API_KEY, "wrong-secret", Map.of("roomJoin", true, "room", other),
                            Duration.ofMinutes(5)),
                    Tokens.custom(API_KEY, API_SECRET, Map.of("roomJoin", true), Duration.ofMinutes(5)))) {
                assertEquals(401, RawHttp.upgrade(server.port(), "/rtc", Map.of("Authorization", "Bearer " + token))
                        .status());
            }
            TestRtcClient carol = TestRtcClient.join(server.wsUrl(), server.participantToken(other, "carol"));
            clients.add(carol);
            carol.abort();
            bob.expectUpdate("carol", ParticipantInfo.State.DISCONNECTED);
            assertTrue(server.deleteRoom(other));
            assertEquals(DisconnectReason.ROOM_DELETED, bob.expect(SignalResponse.MessageCase.LEAVE).getLeave()
                    .getReason());
        } finally {
            clients.forEach(TestRtcClient::close);
        }

        assertCleanTone(awaitResult(listener, "caller"), 440, 7.9);
        assertEquals(Set.of("alice"), events.stream()
                .filter(RtcEvent.SignalError.class::isInstance).map(e -> ((RtcEvent.SignalError) e).identity())
                .collect(java.util.stream.Collectors.toSet()), "only the broken client caused signal errors");
        assertEquals(Set.of("listener", "caller"), Set.copyOf(server.room(room).orElseThrow().identities()));
    }

    private long firstRelayFrames(String room) {
        return server.room(room).orElseThrow().participant("listener").orElseThrow().subscriptions().stream()
                .filter(s -> s.publisherIdentity().equals("first"))
                .mapToLong(ParticipantView.SubscriptionView::framesForwarded).findFirst().orElse(0);
    }

    private static List<String> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("devserver-"))
                .toList();
    }

    private static JsonNode awaitResult(NodeProcess listener, String publisher) throws Exception {
        String line = awaitTagged(listener, "RESULT", l -> l.contains("\"publisher\":\"" + publisher + "\""));
        JsonNode result = JSON.readTree(line);
        System.out.println("[NodeRtcConformanceTest] " + listener.name() + " measured " + publisher + ": "
                + result.toPrettyString());
        return result;
    }

    /**
     * The tone as heard: its frequency (median of 1 s zero-crossing windows) within 2 Hz, the tone
     * dominating its neighbours, RMS within 20 %, under 1 % of 10 ms frames missing (quiet, or not
     * continuing the tone's phase), and frames arriving at the rate of wall-clock time (no stall).
     * These are real-time numbers: a machine overloaded by other work can spoil them, so failures
     * carry the load average.
     */
    private static void assertCleanTone(JsonNode result, double hz, double minSeconds) {
        String context = result + " (system load average " + String.format("%.2f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()) + " on "
                + Runtime.getRuntime().availableProcessors() + " cores)";
        assertTrue(result.get("seconds").asDouble() >= minSeconds, () -> "measured too short: " + context);
        assertTrue(Math.abs(result.get("medianHz").asDouble() - hz) < 2.0,
                () -> "frequency of what the listener heard should be " + hz + " Hz: " + context);
        assertTrue(result.get("goertzelToneOverNeighbours").asDouble() > 100,
                () -> "the tone should dominate its neighbours (±40 Hz) by far: " + context);
        double rms = result.get("rms").asDouble();
        double expectedRms = result.get("expectedRms").asDouble();
        assertTrue(Math.abs(rms - expectedRms) / expectedRms < 0.2,
                () -> "RMS " + rms + " should be within 20 % of the sine's " + expectedRms + ": " + context);
        assertTrue(result.get("missingRatio").asDouble() < 0.01,
                () -> "less than 1 % of 10 ms frames may be missing: " + context);
        assertTrue(result.get("deliveryRatio").asDouble() > 0.95,
                () -> "frames should arrive at 100 per second: " + context);
    }

    private NodeProcess participant(String name, String room, String role, String peer) {
        return participant(name, room, role, peer, Map.of());
    }

    private NodeProcess participant(String name, String room, String role, String peer, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LIVEKIT_URL", server.wsUrl());
        env.put("LIVEKIT_API_KEY", API_KEY);
        env.put("LIVEKIT_API_SECRET", API_SECRET);
        env.put("ROOM", room);
        env.put("IDENTITY", name);
        env.put("ROLE", role);
        env.put("PEER", peer);
        env.put("RUST_LOG", "warn");
        env.putAll(extra);
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
        return awaitTagged(process, tag, rest -> true);
    }

    /** The rest of the first line {@code "<tag> <rest>"} whose rest matches. */
    private static String awaitTagged(NodeProcess process, String tag, Predicate<String> match) {
        return await().alias("'" + tag + " ...' from " + process.name()).atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .failFast(process.name() + " exited or failed to connect", () -> !process.isAlive()
                        || process.tagged("CONNECT_FAILED").isPresent())
                .until(() -> process.lines().stream()
                        .filter(l -> l.startsWith(tag + " "))
                        .map(l -> l.substring(tag.length() + 1).strip())
                        .filter(match)
                        .findFirst(), Optional::isPresent)
                .orElseThrow();
    }
}
