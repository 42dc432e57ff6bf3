package dev.holdline.worker.doctor;

import dev.holdline.worker.protocol.AgentUrls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The preflight check ({@code holdline doctor}): can this host run a worker against this LiveKit
 * server, with these settings, without cutting calls? Each finding is PASS, INFO, WARN, FAIL or
 * SKIP, with the fix for WARN and FAIL. In order: the LiveKit URL answers HTTP; {@code /agent}
 * upgrades to a WebSocket; the agent token is accepted (a real registration, then a clean close);
 * ICE/UDP reachability (a STUN probe, when given a target); clock skew against the server; the
 * drain configuration against the stop timeout (the worker's own guard); ECS task metadata and the
 * task-protection permission (on ECS); load balancer advice.
 */
public final class Doctor {
    /** Per network check. Default 5 s: LiveKit answers in milliseconds; more than this and calls would suffer too. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * What to check.
     *
     * @param url      LiveKit URL (http, https, ws, wss); null when unset (a FAIL)
     * @param apiKey   null when unset
     * @param apiSecret null when unset; never printed
     * @param profiles the profile file, else {@code HOLDLINE_PROFILES}
     * @param stun     {@code host:port} of a STUN/TURN server for the UDP check; empty: not checked (WARN)
     * @param env      where {@code HOLDLINE_*} and {@code ECS_*} settings come from
     */
    public record Settings(String url, String apiKey, String apiSecret, Optional<Path> profiles, Optional<String> stun,
                           Duration timeout, Map<String, String> env, Clock clock) {
        public Settings {
            Objects.requireNonNull(profiles, "profiles");
            Objects.requireNonNull(stun, "stun");
            Objects.requireNonNull(timeout, "timeout");
            env = Map.copyOf(env);
            Objects.requireNonNull(clock, "clock");
        }

        @Override
        public String toString() {
            return "Doctor.Settings[url=" + url + ", apiKey=" + apiKey + ", apiSecret=" + (apiSecret == null ? "unset" : "<redacted>")
                    + ", profiles=" + profiles + ", stun=" + stun + "]";
        }
    }

    private Doctor() {
    }

    public static DoctorReport run(Settings s) {
        List<Finding> findings = new ArrayList<>();
        Optional<URI> base = base(s.url(), findings);
        Optional<HttpProbe.Answer> answer = Optional.empty();
        if (base.isPresent()) {
            HttpProbe.Outcome http = HttpProbe.run(base.get(), s.timeout(), s.clock());
            findings.add(http.finding());
            answer = http.answer();
        }
        boolean reachable = answer.isPresent();
        if (!reachable) {
            findings.add(Finding.skip(AgentProbe.UPGRADE, "needs the LiveKit URL to answer."));
            findings.add(Finding.skip(AgentProbe.TOKEN, "needs the LiveKit URL to answer."));
        } else if (isBlank(s.apiKey()) || isBlank(s.apiSecret())) {
            findings.add(Finding.skip(AgentProbe.UPGRADE, "needs the API key and secret."));
            findings.add(Finding.fail(AgentProbe.TOKEN, (isBlank(s.apiKey()) ? "LIVEKIT_API_KEY" : "LIVEKIT_API_SECRET")
                    + " is not set. Fix: set LIVEKIT_API_KEY and LIVEKIT_API_SECRET to a key pair of the server."));
        } else {
            findings.addAll(AgentProbe.run(AgentUrls.agentEndpoint(s.url()), s.apiKey(), s.apiSecret(), s.timeout()));
        }
        findings.add(udp(s, base));
        findings.add(answer.map(a -> a.serverDate()
                        .map(date -> ClockSkew.judge(ClockSkew.estimate(date, a.sentAt(), a.receivedAt())))
                        .orElseGet(() -> Finding.warn(ClockSkew.CHECK, "the server's answer had no Date header, so the clock was"
                                + " not compared. Fix: make sure NTP runs on this host (tokens fail when it is a minute off).")))
                .orElseGet(() -> Finding.skip(ClockSkew.CHECK, "needs the LiveKit URL to answer.")));
        EcsChecks.Result ecs = EcsChecks.run(s.env(), s.timeout());
        findings.addAll(DrainAlignment.check(s.profiles(), s.env(), ecs.task()));
        findings.addAll(ecs.findings());
        Optional<HttpProbe.Answer> seen = answer;
        base.ifPresent(b -> findings.addAll(LoadBalancerAdvice.advise(b, seen)));
        return new DoctorReport(findings);
    }

    private static Finding udp(Settings s, Optional<URI> base) {
        if (s.stun().isEmpty()) {
            return StunProbe.notChecked(base.map(URI::getHost).orElse("LIVEKIT_HOST"));
        }
        String target = s.stun().get().strip();
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            return Finding.fail(StunProbe.CHECK, "--stun '" + target + "' is not HOST:PORT. Fix: e.g. --stun turn.example.com:3478.");
        }
        try {
            int port = Integer.parseInt(target.substring(colon + 1));
            String host = target.substring(0, colon).replace("[", "").replace("]", "");
            return StunProbe.run(host, port, s.timeout());
        } catch (NumberFormatException e) {
            return Finding.fail(StunProbe.CHECK, "--stun '" + target + "' has no port number. Fix: e.g. --stun turn.example.com:3478.");
        }
    }

    /** The server's HTTP base URL, or a FAIL finding for a missing or malformed LIVEKIT_URL. */
    private static Optional<URI> base(String url, List<Finding> findings) {
        if (isBlank(url)) {
            findings.add(Finding.fail(HttpProbe.CHECK, "LIVEKIT_URL is not set. Fix: set LIVEKIT_URL (or --url), e.g."
                    + " wss://livekit.example.com."));
            return Optional.empty();
        }
        try {
            URI agent = AgentUrls.agentEndpoint(url);
            String scheme = agent.getScheme().equals("wss") ? "https" : "http";
            String path = agent.getRawPath().substring(0, agent.getRawPath().length() - "agent".length());
            return Optional.of(URI.create(scheme + "://" + agent.getRawAuthority() + path));
        } catch (IllegalArgumentException e) {
            findings.add(Finding.fail(HttpProbe.CHECK, e.getMessage()));
            return Optional.empty();
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
