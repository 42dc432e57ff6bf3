package dev.holdline.worker.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiveKit's health convention: {@code GET /} answers 200 "OK" while registered (503 otherwise),
 * {@code GET /worker} answers a JSON status. Other paths 404, other methods 405.
 */
public final class HealthServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param registered  whether the worker is registered right now
     * @param status      the {@code /worker} document (a map serialised as JSON)
     */
    public HealthServer(String host, int port, BooleanSupplier registered, Supplier<Map<String, Object>> status)
            throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    reply(exchange, 405, "text/plain", "method not allowed");
                } else if (exchange.getRequestURI().getPath().equals("/")) {
                    boolean ok = registered.getAsBoolean();
                    reply(exchange, ok ? 200 : 503, "text/plain", ok ? "OK" : "not registered with LiveKit");
                } else if (exchange.getRequestURI().getPath().equals("/worker")) {
                    reply(exchange, 200, "application/json", JSON.writeValueAsString(status.get()));
                } else {
                    reply(exchange, 404, "text/plain", "not found");
                }
            } catch (RuntimeException e) {
                log.warn("Health request {} failed", exchange.getRequestURI(), e);
            }
        });
        server.start();
    }

    /** Also serves {@code GET path} (exactly) with what {@code body} returns, e.g. {@code /metrics}. */
    public void addPage(String path, String contentType, Supplier<String> body) {
        server.createContext(path, exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    reply(exchange, 405, "text/plain", "method not allowed");
                } else if (exchange.getRequestURI().getPath().equals(path)) {
                    reply(exchange, 200, contentType, body.get());
                } else {
                    reply(exchange, 404, "text/plain", "not found");
                }
            } catch (RuntimeException e) {
                log.warn("Health request {} failed", exchange.getRequestURI(), e);
            }
        });
    }

    private static void reply(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type.contains("charset=") ? type : type + "; charset=utf-8");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(bytes);
            }
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
