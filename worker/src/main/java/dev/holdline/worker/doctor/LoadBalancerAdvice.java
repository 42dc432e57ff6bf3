package dev.holdline.worker.doctor;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Advice on load balancers and proxies between the worker and LiveKit. The agent socket carries a
 * status update and a ping every 2.5 s and is dropped after 15 s of silence, so an idle timeout is
 * only a problem below that; what does go wrong is a proxy that does not pass WebSocket upgrades
 * (the websocket check) or one whose idle timeout is shorter than LiveKit's ping to room clients.
 */
final class LoadBalancerAdvice {
    static final String CHECK = "load-balancer";
    /** Safe floor: above the worker's 15 s silence timeout and LiveKit's default client ping interval. */
    static final int SAFE_IDLE_TIMEOUT_SECONDS = 30;

    private LoadBalancerAdvice() {
    }

    static List<Finding> advise(URI livekit, Optional<HttpProbe.Answer> answer) {
        List<Finding> findings = new ArrayList<>();
        boolean tls = "https".equals(livekit.getScheme()) || "wss".equals(livekit.getScheme());
        if (!tls && !isLocal(livekit.getHost())) {
            findings.add(Finding.warn(CHECK, "LIVEKIT_URL is not TLS: the agent token and every job's room token cross the"
                    + " network in clear. Fix: use wss:// (terminate TLS at the load balancer or at LiveKit)."));
        }
        String seen = answer.map(LoadBalancerAdvice::proxyHint).orElse("");
        findings.add(Finding.info(CHECK, "idle timeouts: the agent socket carries a status update and a ping every 2.5 s and is"
                + " re-opened after 15 s of silence, so any proxy or load balancer in front of LiveKit with an idle timeout of "
                + SAFE_IDLE_TIMEOUT_SECONDS + " s or more is fine (AWS ALB: 60 s by default; NLB: 350 s; nginx proxy_read_timeout:"
                + " 60 s)" + seen + ". Below " + SAFE_IDLE_TIMEOUT_SECONDS + " s, raise it (ALB: idle_timeout.timeout_seconds)."));
        findings.add(Finding.info(CHECK, "health checks: point container and target-group health checks at GET / of the worker's"
                + " health port (8081), which stays 200 through a drain; the admin API's gRPC health turns NOT_SERVING on drain"
                + " and would get a draining task replaced."));
        return findings;
    }

    /** What the answer's headers tell about a proxy in between, if anything. */
    private static String proxyHint(HttpProbe.Answer a) {
        Optional<String> server = a.headers().firstValue("Server");
        if (server.isPresent() && server.get().toLowerCase().startsWith("awselb")) {
            return "; an AWS load balancer answered (Server: " + server.get() + "): check its idle timeout";
        }
        Optional<String> via = a.headers().firstValue("Via");
        return via.map(v -> "; a proxy answered (Via: " + v + "): check its idle timeout").orElse("");
    }

    private static boolean isLocal(String host) {
        return host == null || host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }
}
