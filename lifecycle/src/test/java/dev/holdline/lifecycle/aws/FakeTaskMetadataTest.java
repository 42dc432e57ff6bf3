package dev.holdline.lifecycle.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.holdline.lifecycle.awsfakes.FakeTaskMetadata;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link FakeTaskMetadata} answers like the ECS agent's task metadata endpoint v4. */
class FakeTaskMetadataTest {
    private static final String TASK_ARN = "arn:aws:ecs:eu-west-1:111122223333:task/holdline-prod/8f03e41243824aea923aca126495f665";

    @Test
    void theTaskEndpointParsesIntoEcsTaskMetadata() {
        try (FakeTaskMetadata fake = FakeTaskMetadata.start("holdline-prod", TASK_ARN, "holdline-worker", "42", "FARGATE",
                "holdline-worker")) {
            assertTrue(fake.uri().toString().matches("http://127\\.0\\.0\\.1:\\d+/v4/8f03e41243824aea923aca126495f665-\\d+"),
                    fake.uri().toString());
            EcsTaskMetadata task = EcsTaskMetadata.fromEnvironment(
                    Map.of(EcsTaskMetadata.METADATA_URI_ENV, fake.uri().toString()), Duration.ofSeconds(2)).orElseThrow();
            assertEquals(new EcsTaskMetadata("holdline-prod", TASK_ARN, "holdline-worker", "42", "FARGATE", "eu-west-1a",
                    "holdline-worker"), task);
            assertEquals(1, fake.taskRequests());
        }
    }

    @Test
    void bothEndpointsAnswerRealisticJson() throws Exception {
        try (FakeTaskMetadata fake = FakeTaskMetadata.start("holdline-prod", TASK_ARN, "holdline-worker", "42", "EC2", "");
             HttpClient http = HttpClient.newHttpClient()) {
            ObjectMapper json = new ObjectMapper();
            JsonNode task = json.readTree(get(http, URI.create(fake.uri() + "/task")));
            assertEquals("RUNNING", task.get("KnownStatus").asText());
            assertEquals("RUNNING", task.get("DesiredStatus").asText());
            assertTrue(task.get("Limits").has("Memory"));
            assertTrue(!task.has("ServiceName"), "no service: the field is left out, as the agent does");
            assertEquals("worker", task.get("Containers").get(0).get("Name").asText());

            JsonNode container = json.readTree(get(http, fake.uri()));
            assertEquals(TASK_ARN, container.get("Labels").get("com.amazonaws.ecs.task-arn").asText());
            assertEquals("42", container.get("Labels").get("com.amazonaws.ecs.task-definition-version").asText());
            assertTrue(container.has("DockerId"));
        }
    }

    private static String get(HttpClient http, URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), uri.toString());
        return r.body();
    }
}
