package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.testing.AgentTestSupport;
import dev.holdline.devserver.testing.TestWorker;
import dev.holdline.devserver.testing.Tokens;
import io.livekit.server.AgentDispatchServiceClient;
import io.livekit.server.RoomServiceClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import livekit.LivekitAgentDispatch.AgentDispatch;
import livekit.LivekitAgentDispatch.ListAgentDispatchResponse;
import livekit.LivekitModels.Room;
import livekit.LivekitRoom.CreateRoomRequest;
import livekit.LivekitAgentDispatch.RoomAgentDispatch;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import retrofit2.Response;

class TwirpTest extends AgentTestSupport {
    private final OkHttpClient okHttp = new OkHttpClient();
    private HttpClient http;

    @BeforeEach
    void openClients() {
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void closeClients() {
        http.close();
        okHttp.dispatcher().executorService().shutdown();
        okHttp.connectionPool().evictAll();
    }

    private AgentDispatchServiceClient dispatchClient(String key, String secret) {
        return AgentDispatchServiceClient.createClient(server.httpUrl(), key, secret, () -> okHttp);
    }

    private RoomServiceClient roomClient(String key, String secret) {
        return RoomServiceClient.createClient(server.httpUrl(), key, secret, () -> okHttp);
    }

    private static <T> T ok(Response<T> response) throws Exception {
        assertTrue(response.isSuccessful(), () -> response.code() + " " + errorBody(response));
        return response.body();
    }

    private static String errorBody(Response<?> response) {
        try (var body = response.errorBody()) {
            return body == null ? "" : body.string();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private HttpResponse<String> post(String method, String token, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.httpUrl() + "/twirp/" + method))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String adminToken(String room) {
        return Tokens.custom(KEY, SECRET, Map.of("roomAdmin", true, "room", room), Duration.ofMinutes(5));
    }

    private static void assertTwirpError(HttpResponse<String> response, int status, String code, String msgPart) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(response.body().startsWith("{\"code\":\"" + code + "\",\"msg\":\""), response.body());
        assertTrue(response.body().contains(msgPart), response.body());
        assertFalse(response.body().contains(SECRET));
    }

    // ---- through LiveKit's own Java SDK (protobuf) ----------------------------------------------

    @Test
    void theAgentDispatchClientCreatesListsAndDeletesDispatches() throws Exception {
        TestWorker worker = registeredWorker("echo");
        AgentDispatchServiceClient client = dispatchClient(KEY, SECRET);

        AgentDispatch created = ok(client.createDispatch("room-1", "echo", "{\"n\":1}").execute());
        assertTrue(created.getId().startsWith("AD_"));
        assertEquals("room-1", created.getRoom());
        assertEquals("echo", created.getAgentName());
        assertEquals("{\"n\":1}", created.getMetadata());
        assertTrue(created.getState().getCreatedAt() > 0);
        String jobId = created.getState().getJobs(0).getId();
        assertEquals(jobId, worker.expectOffer().getJob().getId());
        worker.answer(jobId, true);
        worker.expect(livekit.LivekitAgent.ServerMessage.MessageCase.ASSIGNMENT);
        awaitEvent(AgentEvent.JobAssigned.class, e -> true);

        List<AgentDispatch> listed = ok(client.listDispatch("room-1").execute());
        assertEquals(1, listed.size());
        assertEquals(created.getId(), listed.getFirst().getId());
        assertEquals(worker.workerId(), listed.getFirst().getState().getJobs(0).getState().getWorkerId());

        AgentDispatch deleted = ok(client.deleteDispatch("room-1", created.getId()).execute());
        assertEquals(created.getId(), deleted.getId());
        worker.expect(livekit.LivekitAgent.ServerMessage.MessageCase.TERMINATION);
        assertTrue(ok(client.listDispatch("room-1").execute()).isEmpty());
    }

    @Test
    void theRoomServiceClientCreatesListsAndDeletesRooms() throws Exception {
        RoomServiceClient client = roomClient(KEY, SECRET);
        Room room = ok(client.createRoom("lobby", 60, 10, null, "meta").execute());
        assertTrue(room.getSid().startsWith("RM_"));
        assertEquals("lobby", room.getName());
        assertEquals(60, room.getEmptyTimeout());
        assertEquals("meta", room.getMetadata());
        assertEquals(room.getSid(), ok(client.createRoom("lobby").execute()).getSid(), "creating again returns it");
        ok(client.createRoom("hall").execute());

        assertEquals(List.of("lobby", "hall"), ok(client.listRooms().execute()).stream().map(Room::getName).toList());
        assertEquals(List.of("hall"), ok(client.listRooms(List.of("hall")).execute()).stream().map(Room::getName).toList());

        assertTrue(client.deleteRoom("lobby").execute().isSuccessful());
        assertEquals(List.of("hall"), ok(client.listRooms().execute()).stream().map(Room::getName).toList());
        assertEquals(404, client.deleteRoom("lobby").execute().code());
    }

    @Test
    void theSdkClientsAreRefusedWithAnotherKeysSecret() throws Exception {
        Response<AgentDispatch> response = dispatchClient(KEY, "wrong-secret").createDispatch("room-1", "echo").execute();
        assertEquals(401, response.code());
        assertTrue(errorBody(response).contains("\"code\":\"unauthenticated\""));
        assertEquals(401, roomClient("nobody", SECRET).listRooms().execute().code());
    }

    // ---- raw JSON -------------------------------------------------------------------------------

    @Test
    void jsonRequestsGetJsonResponsesWithProtoFieldNames() throws Exception {
        HttpResponse<String> created = post("livekit.AgentDispatchService/CreateDispatch", adminToken("room-j"),
                "application/json", "{\"room\":\"room-j\",\"agent_name\":\"echo\",\"metadata\":\"x\",\"future_field\":1}");
        assertEquals(200, created.statusCode(), created.body());
        assertEquals("application/json", created.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(created.body().contains("\"agent_name\": \"echo\""), created.body());
        assertTrue(created.body().contains("\"id\": \"AD_"), created.body());

        HttpResponse<String> listed = post("livekit.AgentDispatchService/ListDispatch", adminToken("room-j"),
                "application/json; charset=utf-8", "{\"room\":\"room-j\"}");
        assertEquals(200, listed.statusCode(), listed.body());
        ListAgentDispatchResponse.Builder parsed = ListAgentDispatchResponse.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(listed.body(), parsed);
        assertEquals(1, parsed.getAgentDispatchesCount());
        assertEquals("echo", parsed.getAgentDispatches(0).getAgentName());
        assertEquals(1, parsed.getAgentDispatches(0).getState().getJobsCount());
    }

    @Test
    void camelCaseJsonIsAcceptedToo() throws Exception {
        String token = Tokens.custom(KEY, SECRET, Map.of("roomCreate", true, "roomList", true), Duration.ofMinutes(5));
        HttpResponse<String> created = post("livekit.RoomService/CreateRoom", token, "application/json",
                "{\"name\":\"r1\",\"emptyTimeout\":42}");
        assertEquals(200, created.statusCode(), created.body());
        assertTrue(created.body().contains("\"empty_timeout\": 42"), created.body());
        HttpResponse<String> listed = post("livekit.RoomService/ListRooms", token, "application/json", "{}");
        assertTrue(listed.body().contains("\"name\": \"r1\""), listed.body());
    }

    @Test
    void createRoomWithAgentsDispatchesThem() throws Exception {
        TestWorker worker = registeredWorker("echo");
        CreateRoomRequest request = CreateRoomRequest.newBuilder()
                .setName("with-agent")
                .addAgents(RoomAgentDispatch.newBuilder().setAgentName("echo").setMetadata("hi"))
                .build();
        String token = Tokens.custom(KEY, SECRET, Map.of("roomCreate", true), Duration.ofMinutes(5));
        HttpResponse<String> response = post("livekit.RoomService/CreateRoom", token, "application/json",
                com.google.protobuf.util.JsonFormat.printer().print(request));
        assertEquals(200, response.statusCode(), response.body());
        var offer = worker.expectOffer();
        assertEquals("with-agent", offer.getJob().getRoom().getName());
        assertEquals("hi", offer.getJob().getMetadata());
    }

    // ---- errors ---------------------------------------------------------------------------------

    @Test
    void aRequestWithoutATokenIsUnauthenticated() throws Exception {
        assertTwirpError(post("livekit.RoomService/ListRooms", null, "application/json", "{}"),
                401, "unauthenticated", "missing access token");
    }

    @Test
    void aTokenWithAWrongSignatureIsUnauthenticated() throws Exception {
        String token = Tokens.custom(KEY, "wrong", Map.of("roomList", true), Duration.ofMinutes(5));
        assertTwirpError(post("livekit.RoomService/ListRooms", token, "application/json", "{}"),
                401, "unauthenticated", "invalid signature");
    }

    @Test
    void roomAdminForAnotherRoomIsDenied() throws Exception {
        assertTwirpError(post("livekit.AgentDispatchService/CreateDispatch", adminToken("other"), "application/json",
                "{\"room\":\"room-1\",\"agent_name\":\"echo\"}"), 403, "permission_denied", "roomAdmin grant for room 'room-1'");
        String anyRoomAdmin = Tokens.custom(KEY, SECRET, Map.of("roomAdmin", true), Duration.ofMinutes(5));
        assertTwirpError(post("livekit.AgentDispatchService/ListDispatch", anyRoomAdmin, "application/json",
                "{\"room\":\"room-1\"}"), 403, "permission_denied", "roomAdmin");
        assertTrue(server.jobs().isEmpty());
    }

    @Test
    void roomCallsNeedRoomCreateOrRoomList() throws Exception {
        String listOnly = Tokens.custom(KEY, SECRET, Map.of("roomList", true), Duration.ofMinutes(5));
        assertTwirpError(post("livekit.RoomService/CreateRoom", listOnly, "application/json", "{\"name\":\"r\"}"),
                403, "permission_denied", "roomCreate");
        assertTwirpError(post("livekit.RoomService/DeleteRoom", listOnly, "application/json", "{\"room\":\"r\"}"),
                403, "permission_denied", "roomCreate");
        String createOnly = Tokens.custom(KEY, SECRET, Map.of("roomCreate", true), Duration.ofMinutes(5));
        assertTwirpError(post("livekit.RoomService/ListRooms", createOnly, "application/json", "{}"),
                403, "permission_denied", "roomList");
    }

    @Test
    void routingAndBodyErrorsUseTwirpCodes() throws Exception {
        String token = adminToken("room-1");
        assertTwirpError(post("livekit.AgentDispatchService/Nope", token, "application/json", "{}"),
                404, "bad_route", "no such method");
        assertTwirpError(post("livekit.AgentDispatchService/ListDispatch", token, "text/plain", "{}"),
                404, "bad_route", "unexpected Content-Type");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(
                URI.create(server.httpUrl() + "/twirp/livekit.RoomService/ListRooms")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertTwirpError(get, 404, "bad_route", "only POST");
        assertTwirpError(post("livekit.AgentDispatchService/ListDispatch", token, "application/json", "{not json"),
                400, "malformed", "livekit.ListAgentDispatchRequest");
        assertTwirpError(post("livekit.AgentDispatchService/ListDispatch", token, "application/json", "{}"),
                400, "invalid_argument", "room is required");
        assertTwirpError(post("livekit.AgentDispatchService/DeleteDispatch", token, "application/json",
                "{\"room\":\"room-1\",\"dispatch_id\":\"AD_missing\"}"), 404, "not_found", "AD_missing");
    }

    @Test
    void aGarbageProtobufBodyIsMalformed() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(server.httpUrl() + "/twirp/livekit.AgentDispatchService/CreateDispatch"))
                .header("Content-Type", "application/protobuf")
                .header("Authorization", "Bearer " + adminToken("room-1"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xFF, (byte) 0xFF}))
                .build();
        assertTwirpError(http.send(request, HttpResponse.BodyHandlers.ofString()), 400, "malformed", "not a valid");
    }
}
