package dev.holdline.lifecycle.aws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * EC2 instance metadata through IMDSv2: a session token from {@code PUT /latest/api/token}, then
 * {@code GET /latest/<path>} with that token. The token is cached until shortly before it expires.
 * The worker only calls this when it runs on AWS (ECS metadata present, or configured); tests
 * point it at a loopback server.
 */
public final class Imds implements AutoCloseable {
    /** The instance metadata service's link-local address, as EC2 documents it. */
    public static final URI DEFAULT_ENDPOINT = URI.create("http://169.254.169.254");
    /** Token lifetime asked for; IMDS allows 1 s to 6 h. */
    static final Duration TOKEN_TTL = Duration.ofHours(6);

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;
    private String token;
    private long tokenValidUntilNanos;

    /**
     * @param endpoint scheme, host and port of the service (no path)
     * @param timeout  per request; IMDS answers in milliseconds, so a short timeout tells "not on EC2" fast
     */
    public Imds(URI endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * Reads {@code /latest/<path>}, e.g. {@code meta-data/instance-id}. Empty on 404 (the item
     * does not exist, such as {@code autoscaling/target-lifecycle-state} outside an ASG).
     *
     * @throws IOException when IMDS cannot be reached or answers anything else
     */
    public Optional<String> get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/latest/" + path))
                .timeout(timeout).header("X-aws-ec2-metadata-token", token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            // The token expired early (e.g. the instance was stopped and started): once more with a new one.
            synchronized (this) {
                token = null;
            }
            response = http.send(HttpRequest.newBuilder(endpoint.resolve("/latest/" + path))
                    .timeout(timeout).header("X-aws-ec2-metadata-token", token()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        return switch (response.statusCode()) {
            case 200 -> Optional.of(response.body().strip());
            case 404 -> Optional.empty();
            default -> throw new IOException("IMDS " + path + " answered HTTP " + response.statusCode());
        };
    }

    private synchronized String token() throws IOException, InterruptedException {
        long now = System.nanoTime();
        if (token != null && now < tokenValidUntilNanos) {
            return token;
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/latest/api/token"))
                .timeout(timeout)
                .header("X-aws-ec2-metadata-token-ttl-seconds", Long.toString(TOKEN_TTL.toSeconds()))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || response.body().isBlank()) {
            throw new IOException("IMDSv2 token request answered HTTP " + response.statusCode()
                    + " (is the hop limit too low for a container? set HttpPutResponseHopLimit to 2)");
        }
        token = response.body().strip();
        // Renew a minute early so a request never carries a token about to expire.
        tokenValidUntilNanos = now + TOKEN_TTL.minusMinutes(1).toNanos();
        return token;
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
