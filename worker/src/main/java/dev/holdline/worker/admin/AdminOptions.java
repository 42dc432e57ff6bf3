package dev.holdline.worker.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;

/**
 * Where the admin API listens and the bearer token it requires. Made by {@code Worker.Builder},
 * where each setting's default is documented; {@link #toString()} never shows the token.
 *
 * @param host  bind address
 * @param port  {@link #OFF}, 0 for any free port, or the port
 * @param token the bearer token every {@code WorkerAdmin} call must carry; required when
 *              {@code host} is not a loopback address
 */
public record AdminOptions(String host, int port, Optional<String> token) {
    /** The admin API is off. */
    public static final int OFF = -1;
    /** Loopback: only processes in the same network namespace (the task, the pod) can reach it. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String PORT_ENV = "HOLDLINE_ADMIN_PORT";
    public static final String HOST_ENV = "HOLDLINE_ADMIN_HOST";
    public static final String TOKEN_ENV = "HOLDLINE_ADMIN_TOKEN";
    /** Shorter tokens are refused: a guessable token on a network port is no protection. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public static final AdminOptions DISABLED = new AdminOptions(DEFAULT_HOST, OFF, Optional.empty());

    /**
     * What the builder set, else the environment, else the defaults; validated.
     *
     * @throws IllegalArgumentException naming the setting and the fix (never the token)
     */
    public static AdminOptions resolve(String host, Integer port, String token, Map<String, String> env) {
        String h = firstNonBlank(host, env.get(HOST_ENV), DEFAULT_HOST).strip();
        int p;
        if (port != null) {
            p = port;
        } else {
            String v = env.getOrDefault(PORT_ENV, "").strip();
            try {
                p = v.isEmpty() ? OFF : Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PORT_ENV + " must be a port number (0..65535) or -1 for off, was '" + v + "'");
            }
        }
        if (p < OFF || p > 65535) {
            throw new IllegalArgumentException("adminPort must be 0..65535, or -1 for off, was " + p);
        }
        String t = firstNonBlank(token, env.get(TOKEN_ENV), null);
        Optional<String> tok = Optional.ofNullable(t).map(String::strip);
        if (tok.isPresent() && tok.get().length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("The admin token (" + TOKEN_ENV + ") is shorter than " + MIN_TOKEN_LENGTH
                    + " characters. Fix: use a random one, e.g. `openssl rand -hex 32`");
        }
        if (tok.isPresent() && (tok.get().chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
            throw new IllegalArgumentException("The admin token (" + TOKEN_ENV + ") must be printable ASCII without spaces"
                    + " (it travels in a gRPC header). Fix: use e.g. `openssl rand -hex 32`");
        }
        AdminOptions options = new AdminOptions(h, p, tok);
        if (options.enabled() && tok.isEmpty() && !isLoopback(h)) {
            throw new IllegalArgumentException("The admin API would listen on " + h + ", beyond localhost, without a token."
                    + " Fix: set " + TOKEN_ENV + " (at least " + MIN_TOKEN_LENGTH + " random characters), or bind it to "
                    + DEFAULT_HOST);
        }
        return options;
    }

    public boolean enabled() {
        return port != OFF;
    }

    /** True for loopback addresses and names that resolve to one; a wildcard (0.0.0.0, ::) is not. */
    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("adminHost '" + host + "' does not resolve: " + e.getMessage());
        }
    }

    private static String firstNonBlank(String a, String b, String fallback) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : fallback;
    }

    @Override
    public String toString() {
        return "AdminOptions[host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "<redacted>" : "none") + "]";
    }
}
