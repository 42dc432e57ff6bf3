package dev.holdline.devserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.testing.RtcTestSupport;
import dev.holdline.devserver.testing.TestRtcClient;
import io.livekit.server.RoomServiceClient;
import java.util.List;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc.SignalResponse;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import retrofit2.Response;

/** RoomService's participant methods through LiveKit's own Java server SDK. */
class RtcTwirpTest extends RtcTestSupport {
    private final OkHttpClient okHttp = new OkHttpClient();

    @AfterEach
    void closeClient() {
        okHttp.dispatcher().executorService().shutdown();
        okHttp.connectionPool().evictAll();
    }

    private RoomServiceClient rooms() {
        return RoomServiceClient.createClient(server.httpUrl(), KEY, SECRET, () -> okHttp);
    }

    private static <T> T ok(Response<T> response) {
        assertTrue(response.isSuccessful(), () -> "HTTP " + response.code());
        return response.body();
    }

    @Test
    void listGetAndRemoveParticipants() throws Exception {
        join("room-1", "alice");
        TestRtcClient bob = join("room-1", "bob");

        List<ParticipantInfo> listed = ok(rooms().listParticipants("room-1").execute());
        assertEquals(List.of("alice", "bob"), listed.stream().map(ParticipantInfo::getIdentity).toList());
        assertTrue(listed.get(0).getSid().startsWith("PA_"));
        assertEquals("bob", ok(rooms().getParticipant("room-1", "bob").execute()).getIdentity());
        assertEquals(404, rooms().getParticipant("room-1", "nobody").execute().code());

        ok(rooms().removeParticipant("room-1", "bob").execute());
        assertEquals(DisconnectReason.PARTICIPANT_REMOVED,
                bob.expect(SignalResponse.MessageCase.LEAVE).getLeave().getReason());
        assertEquals(List.of("alice"), identitiesIn("room-1"));
        assertFalse(rooms().removeParticipant("room-1", "bob").execute().isSuccessful());
    }
}
