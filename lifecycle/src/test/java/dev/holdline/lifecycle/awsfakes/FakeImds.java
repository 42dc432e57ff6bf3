package dev.holdline.lifecycle.awsfakes;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * EC2 instance metadata service (IMDSv2) on 127.0.0.1, for tests.
 *
 * <ul>
 *   <li>{@code PUT /latest/api/token} needs {@code X-aws-ec2-metadata-token-ttl-seconds} (1..21600),
 *       else 400; answers a new token as text.</li>
 *   <li>{@code GET /latest/<path>}: 401 without a valid {@code X-aws-ec2-metadata-token} while
 *       {@link #requireToken(boolean) tokens are required} (the default, like an IMDSv2-only
 *       instance) and always for a token it never issued or has {@linkplain #expireTokens() expired};
 *       200 with the item's text; for a "directory" such as {@code meta-data/} the names below it,
 *       one a line, as IMDS lists them; 404 for anything else.</li>
 * </ul>
 * Pass {@link #uri()} to {@code new Imds(uri, timeout)}.
 */
public final class FakeImds implements AutoCloseable {
    private final Map<String, String> items = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private volatile boolean requireToken = true;
    private final FakeServers.Loopback server;

    private FakeImds() {
        server = FakeServers.start("fake-imds", this::handle);
    }

    /** Starts the fake on a free loopback port. */
    public static FakeImds start() {
        return new FakeImds();
    }

    /** {@code http://127.0.0.1:<port>} — what {@code Imds} takes as its endpoint. */
    public URI uri() {
        return server.uri();
    }

    /** Sets an item, e.g. {@code meta-data/instance-id} or {@code meta-data/autoscaling/target-lifecycle-state}. */
    public void setItem(String path, String value) {
        items.put(normalize(path), value);
    }

    /** Removes an item; GETs of it answer 404 again. */
    public void removeItem(String path) {
        items.remove(normalize(path));
    }

    /** How many {@code PUT /latest/api/token} requests arrived (valid or not). */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** {@code true} (default): GETs without a valid token get 401. {@code false}: IMDSv1 allowed too. */
    public void requireToken(boolean required) {
        this.requireToken = required;
    }

    /** Forgets every issued token, as after a stop/start of the instance: their next use gets 401. */
    public void expireTokens() {
        tokens.clear();
    }

    @Override
    public void close() {
        server.close();
    }

    private static String normalize(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.startsWith("latest/") ? p.substring("latest/".length()) : p;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        FakeServers.body(exchange); // drain it
        if (path.equals("/latest/api/token")) {
            if (!method.equals("PUT")) {
                FakeServers.respond(exchange, 405, "text/plain", "Method Not Allowed");
                return;
            }
            tokenRequests.incrementAndGet();
            String ttl = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
            int seconds;
            try {
                seconds = ttl == null ? -1 : Integer.parseInt(ttl.strip());
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > 21600) {
                FakeServers.respond(exchange, 400, "text/plain", "Bad Request");
                return;
            }
            String token = "AQAEA" + UUID.randomUUID().toString().replace("-", "");
            tokens.add(token);
            exchange.getResponseHeaders().set("X-aws-ec2-metadata-token-ttl-seconds", Integer.toString(seconds));
            FakeServers.respond(exchange, 200, "text/plain", token);
            return;
        }
        if (!path.startsWith("/latest/")) {
            FakeServers.respond(exchange, 404, "text/plain", "Not Found");
            return;
        }
        if (!method.equals("GET")) {
            FakeServers.respond(exchange, 405, "text/plain", "Method Not Allowed");
            return;
        }
        String token = exchange.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
        boolean validToken = token != null && tokens.contains(token);
        if ((token != null && !validToken) || (token == null && requireToken)) {
            FakeServers.respond(exchange, 401, "text/plain", "Unauthorized");
            return;
        }
        String item = path.substring("/latest/".length());
        String value = items.get(item);
        if (value != null) {
            FakeServers.respond(exchange, 200, "text/plain", value);
            return;
        }
        String dir = item.isEmpty() || item.endsWith("/") ? item : item + "/";
        Set<String> children = new TreeSet<>();
        for (String key : items.keySet()) {
            if (key.startsWith(dir) && key.length() > dir.length()) {
                String rest = key.substring(dir.length());
                int slash = rest.indexOf('/');
                children.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        if (children.isEmpty()) {
            FakeServers.respond(exchange, 404, "text/plain", "Not Found");
        } else {
            FakeServers.respond(exchange, 200, "text/plain", String.join("\n", children));
        }
    }
}
