package dev.holdline.lifecycle.ecs;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What this ECS task says about itself at {@code $ECS_CONTAINER_METADATA_URI_V4/task} (task
 * metadata endpoint v4): the few fields the worker uses — to know whether it runs on Fargate
 * (whose stopTimeout cap its drain must fit in), and to name itself in logs and in deployment
 * checks. A field the endpoint leaves out (older agents omit {@code LaunchType} and
 * {@code ServiceName}; {@code ServiceName} is absent for tasks outside a service) is {@code ""}.
 *
 * @param cluster          {@code Cluster}: the cluster's ARN or short name
 * @param taskArn          {@code TaskARN}
 * @param family           {@code Family} of the task definition
 * @param revision         {@code Revision} of the task definition
 * @param launchType       {@code LaunchType}: {@code EC2}, {@code FARGATE} or {@code EXTERNAL}
 * @param availabilityZone {@code AvailabilityZone}
 * @param serviceName      {@code ServiceName}
 */
public record EcsTaskMetadata(String cluster, String taskArn, String family, String revision, String launchType,
                              String availabilityZone, String serviceName) {
    /** Set by the ECS agent in every container of a task (Fargate platform 1.4.0+, agent 1.39.0+). */
    public static final String METADATA_URI_ENV = "ECS_CONTAINER_METADATA_URI_V4";

    /**
     * A sensible wait for the endpoint, 2 s: it is served on the task's own host and answers in
     * milliseconds, so anything slower means it is broken — and start-up should say so rather than
     * hang.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How much of an unexpected body an error message quotes. */
    private static final int QUOTED_BODY_CHARS = 120;

    public EcsTaskMetadata {
        cluster = Objects.requireNonNullElse(cluster, "");
        taskArn = Objects.requireNonNullElse(taskArn, "");
        family = Objects.requireNonNullElse(family, "");
        revision = Objects.requireNonNullElse(revision, "");
        launchType = Objects.requireNonNullElse(launchType, "");
        availabilityZone = Objects.requireNonNullElse(availabilityZone, "");
        serviceName = Objects.requireNonNullElse(serviceName, "");
    }

    /** Whether ECS runs this task on Fargate (also true for Fargate Spot capacity). */
    public boolean onFargate() {
        return "FARGATE".equalsIgnoreCase(launchType);
    }

    /**
     * Reads this task's metadata when running on ECS.
     *
     * @param env     the process environment (a map, so tests can point it elsewhere)
     * @param timeout for connecting and for the whole response
     * @return empty when {@value #METADATA_URI_ENV} is not set, i.e. not on ECS
     * @throws EcsMetadataException when the variable is set but the endpoint cannot be read or
     *         does not answer with a JSON object; the message names the variable and the URL
     */
    public static Optional<EcsTaskMetadata> fromEnvironment(Map<String, String> env, Duration timeout) {
        String base = env.get(METADATA_URI_ENV);
        if (base == null) {
            return Optional.empty();
        }
        String url = base.strip().replaceAll("/+$", "") + "/task";
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw failure(base, url, "the variable is not a valid URL (" + e.getMessage() + ")", e);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw failure(base, url, "the variable is not an http URL", null);
        }
        return Optional.of(parse(base, url, get(base, uri, timeout)));
    }

    private static String get(String base, URI uri, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        // A client of its own, closed before returning: this runs once at start-up, and a shared
        // client would keep a selector thread alive for nothing.
        try (HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw failure(base, uri.toString(), "the endpoint answered HTTP " + response.statusCode()
                        + quote(" with ", response.body()), null);
            }
            return response.body();
        } catch (HttpTimeoutException e) {
            throw failure(base, uri.toString(), "no answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw failure(base, uri.toString(), e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(base, uri.toString(), "interrupted while waiting for the answer", e);
        }
    }

    private static EcsTaskMetadata parse(String base, String url, String body) {
        JsonNode task;
        try {
            task = JSON.readTree(body);
        } catch (JacksonException e) {
            throw failure(base, url, "the answer is not JSON" + quote(": ", body), e);
        }
        if (task == null || !task.isObject()) {
            throw failure(base, url, "the answer is not a JSON object" + quote(": ", body), null);
        }
        return new EcsTaskMetadata(text(task, "Cluster"), text(task, "TaskARN"), text(task, "Family"),
                text(task, "Revision"), text(task, "LaunchType"), text(task, "AvailabilityZone"), text(task, "ServiceName"));
    }

    private static String text(JsonNode task, String field) {
        JsonNode value = task.get(field);
        return value != null && value.isValueNode() && !value.isNull() ? value.asText() : "";
    }

    private static String quote(String lead, String body) {
        if (body == null || body.isBlank()) {
            return lead.equals(": ") ? ": (empty)" : "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return lead + "'" + (oneLine.length() > QUOTED_BODY_CHARS ? oneLine.substring(0, QUOTED_BODY_CHARS) + "…" : oneLine) + "'";
    }

    private static EcsMetadataException failure(String base, String url, String problem, Throwable cause) {
        return new EcsMetadataException("Cannot read this task's ECS metadata from GET " + url + " (" + METADATA_URI_ENV + "="
                + base + "): " + problem + ". The worker needs it to check Fargate's stopTimeout cap before it takes calls;"
                + " check that the ECS agent is running, or unset " + METADATA_URI_ENV + " when not on ECS.", cause);
    }
}
