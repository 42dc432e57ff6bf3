package dev.holdline.worker.doctor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * {@code GET /} on the LiveKit server (LiveKit answers 200 "OK"). Any HTTP answer shows the server
 * is reachable; the answer's {@code Date} header and round trip feed the clock check, its headers
 * the load balancer advice.
 */
final class HttpProbe {
    static final String CHECK = "livekit-http";

    /** What the server answered, with when the request left and the answer came back (local clock). */
    record Answer(URI uri, int status, HttpHeaders headers, Instant sentAt, Instant receivedAt) {
        Optional<Instant> serverDate() {
            return headers.firstValue("Date").flatMap(HttpProbe::parseDate);
        }

        Duration roundTrip() {
            return Duration.between(sentAt, receivedAt);
        }
    }

    /** The answer, or the FAIL finding that says why there is none. */
    record Outcome(Optional<Answer> answer, Finding finding) {
    }

    private HttpProbe() {
    }

    /** @param base the server's HTTP root (LIVEKIT_URL as http/https, with its path) */
    static Outcome run(URI base, Duration timeout, Clock clock) {
        URI uri = base;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build()) {
            Instant sent = clock.instant();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            Instant received = clock.instant();
            Answer a = new Answer(uri, r.statusCode(), r.headers(), sent, received);
            long ms = a.roundTrip().toMillis();
            Finding f;
            if (r.statusCode() >= 500) {
                f = Finding.warn(CHECK, "LiveKit at " + uri + " answered HTTP " + r.statusCode() + " in " + ms + " ms: a proxy or load"
                        + " balancer in front of it answered, but the server behind it may be down. Fix: check LiveKit's logs and the"
                        + " load balancer's target health.");
            } else {
                f = Finding.pass(CHECK, "LiveKit at " + uri + " answered HTTP " + r.statusCode() + " in " + ms + " ms.");
            }
            return new Outcome(Optional.of(a), f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Optional.empty(), Finding.fail(CHECK, "interrupted while calling " + uri));
        } catch (IOException e) {
            return new Outcome(Optional.empty(), Finding.fail(CHECK, unreachable(uri, timeout, e)));
        }
    }

    /** Why a connection failed, and what to do, as one sentence pair. */
    static String unreachable(URI uri, Duration timeout, Throwable e) {
        String where = uri.getHost() + ":" + port(uri);
        Throwable cause = rootCause(e);
        if (inChain(e, ConnectException.class)) {
            return "cannot connect to " + where + " (connection refused): nothing listens there. Fix: check LIVEKIT_URL's host and"
                    + " port, and that the LiveKit server is running.";
        }
        if (inChain(e, UnresolvedAddressException.class) || inChain(e, UnknownHostException.class)) {
            return "cannot resolve " + uri.getHost() + ". Fix: check LIVEKIT_URL's host name and this host's DNS.";
        }
        if (e instanceof HttpConnectTimeoutException || e instanceof HttpTimeoutException) {
            return "no answer from " + where + " within " + timeout.toMillis() + " ms: a firewall or security group may be dropping"
                    + " the packets. Fix: allow TCP " + port(uri) + " from this host to LiveKit.";
        }
        if (inChain(e, SSLException.class)) {
            return "TLS with " + where + " failed (" + cause.getMessage() + "). Fix: the server's certificate must be valid for "
                    + uri.getHost() + " and trusted by this JVM (a private CA belongs in its truststore).";
        }
        return "cannot reach " + where + ": " + describe(cause) + ". Fix: check LIVEKIT_URL and the network path to it.";
    }

    static int port(URI uri) {
        if (uri.getPort() > 0) {
            return uri.getPort();
        }
        return "https".equals(uri.getScheme()) || "wss".equals(uri.getScheme()) ? 443 : 80;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static boolean inChain(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    static Optional<Instant> parseDate(String value) {
        try {
            return Optional.of(ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
