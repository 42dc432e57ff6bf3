package dev.holdline.worker.telemetry;

import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.worker.dispatch.OfferOutcome;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.protocol.AgentConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The worker's Prometheus metrics (served on {@code GET /metrics} of the health port). One
 * registry per worker. Names as Prometheus shows them:
 * <ul>
 *   <li>{@code holdline_sessions_active{profile}} — running sessions;
 *       {@code holdline_sessions_reserved}, {@code holdline_sessions_max};</li>
 *   <li>{@code holdline_sessions_started_total{profile}},
 *       {@code holdline_sessions_ended_total{profile,reason}} (reason: {@code handler_returned},
 *       {@code handler_failed}, {@code job_terminated}, {@code worker_shutdown}, {@code drain_deadline}),
 *       {@code holdline_sessions_ended_at_drain_deadline_total{profile}} — calls the drain cut;</li>
 *   <li>{@code holdline_call_duration_seconds{profile}} — histogram of session durations, buckets
 *       {@link #CALL_DURATION_BUCKETS} (what {@code plan-drain --metrics} reads);</li>
 *   <li>{@code holdline_offers_accepted_total}, {@code holdline_offers_rejected_total{reason}} (reason:
 *       {@code draining}, {@code not_accepting}, {@code load_threshold}, {@code no_slot},
 *       {@code duplicate_job}, {@code handler_declined}, {@code wrong_agent});
 *       {@code holdline_offer_answer_seconds} — histogram of offer → answer latency;</li>
 *   <li>{@code holdline_load}, {@code holdline_load_threshold} ({@code +Inf} when none),
 *       {@code holdline_worker_full} (1 while reporting {@code WS_FULL});</li>
 *   <li>{@code holdline_lifecycle_state{state}} — 1 for the current state (STARTING, READY, DRAINING, STOPPED), else 0;</li>
 *   <li>{@code holdline_agent_connected} (1 while registered with LiveKit), {@code holdline_agent_reconnects_total};</li>
 *   <li>{@code holdline_protection_enabled{kind}}, {@code holdline_protection_wanted{kind}},
 *       {@code holdline_protection_failures{kind}} — scale-in protection (kind {@code task}, and
 *       {@code instance} when ASG protection is on);</li>
 *   <li>the JVM's own ({@code jvm_*}, {@code process_*}, {@code system_*}).</li>
 * </ul>
 * The offer path costs a counter increment and a histogram record, no allocation and no lookup.
 */
public final class WorkerMetrics implements AutoCloseable {
    /** Prometheus text format 0.0.4, what every Prometheus scraper reads. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Call duration buckets: every minute up to 10 min, then coarser to 4 h. Fine where drain
     * timeouts are usually chosen; the planner reads a bucket's upper bound, so this is its resolution.
     */
    public static final Duration[] CALL_DURATION_BUCKETS = durations(
            15, 30, 45, 60, 90, 120, 180, 240, 300, 360, 420, 480, 540, 600, 720, 840, 960, 1080, 1200, 1500, 1800,
            2100, 2400, 2700, 3000, 3300, 3600, 4500, 5400, 6300, 7200, 9000, 10800, 14400);

    /** Offer latency buckets, 100 µs to 10 s: the target is p99 ≤ 5 ms, LiveKit waits 10 s. */
    static final Duration[] OFFER_LATENCY_BUCKETS = {
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Counter[] offers = new Counter[OfferOutcome.values().length];
    private final Timer offerLatency;
    private final Map<String, ProfileMeters> profiles = new ConcurrentHashMap<>();

    /** One profile's meters, made once: a session start or end is then a map lookup and increments. */
    private record ProfileMeters(AtomicInteger active, Counter started, Counter endedAtDeadline, Timer duration,
                                 Counter[] ended) {
    }

    /** @param profiles the configured profile names: their series exist from the start, at 0 */
    public WorkerMetrics(Collection<String> profiles) {
        for (OfferOutcome o : OfferOutcome.values()) {
            offers[o.ordinal()] = o == OfferOutcome.ACCEPTED
                    ? Counter.builder("holdline.offers.accepted").description("Offers answered available=true")
                            .register(registry)
                    : Counter.builder("holdline.offers.rejected").description("Offers answered available=false, by reason")
                            .tag("reason", o.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        offerLatency = Timer.builder("holdline.offer.answer")
                .description("From an offer reaching the worker to its answer handed to the socket")
                .serviceLevelObjectives(OFFER_LATENCY_BUCKETS)
                .register(registry);
        profiles.forEach(this::profile);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    /** A profile's meters, registered on first use (the configured profiles at construction). */
    private ProfileMeters profile(String name) {
        return profiles.computeIfAbsent(name, p -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("holdline.sessions.active", count, AtomicInteger::get).description("Running sessions")
                    .tag("profile", p).register(registry);
            Counter[] ended = new Counter[EndReason.values().length];
            for (EndReason r : EndReason.values()) {
                ended[r.ordinal()] = Counter.builder("holdline.sessions.ended").description("Sessions ended, by why")
                        .tag("profile", p).tag("reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
            }
            return new ProfileMeters(count,
                    Counter.builder("holdline.sessions.started").tag("profile", p).register(registry),
                    Counter.builder("holdline.sessions.ended.at.drain.deadline")
                            .description("Sessions the worker ended at their drain deadline (calls a drain cut)")
                            .tag("profile", p).register(registry),
                    Timer.builder("holdline.call.duration").description("Session durations, start to end")
                            .tag("profile", p).serviceLevelObjectives(CALL_DURATION_BUCKETS).register(registry),
                    ended);
        });
    }

    /** On the offer path: must stay cheap. */
    public void offerAnswered(OfferOutcome outcome, long latencyNanos) {
        offers[outcome.ordinal()].increment();
        offerLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    public void sessionStarted(String profile) {
        ProfileMeters m = profile(profile);
        m.active().incrementAndGet();
        m.started().increment();
    }

    public void sessionEnded(String profile, EndReason reason, Duration duration) {
        ProfileMeters m = profile(profile);
        m.active().decrementAndGet();
        m.ended()[reason.ordinal()].increment();
        if (reason == EndReason.DRAIN_DEADLINE) {
            m.endedAtDeadline().increment();
        }
        m.duration().record(duration);
    }

    /** The gauges that read the worker on each scrape. */
    public void bind(WorkerView worker) {
        gauge("holdline.load", worker, WorkerView::load, "Load reported to LiveKit, 0..1");
        gauge("holdline.load.threshold", worker, WorkerView::loadThreshold, "Load at which the worker reports full");
        gauge("holdline.worker.full", worker, w -> w.full() ? 1 : 0, "1 while the worker reports WS_FULL");
        gauge("holdline.sessions.reserved", worker, WorkerView::reservedSessions, "Accepted offers awaiting assignment");
        gauge("holdline.sessions.max", worker, WorkerView::maxSessions, "Session slots");
        for (LifecycleState s : LifecycleState.values()) {
            Gauge.builder("holdline.lifecycle.state", worker, w -> w.state() == s ? 1 : 0)
                    .description("1 for the worker's current lifecycle state").tag("state", s.name()).register(registry);
        }
        gauge("holdline.agent.connected", worker, w -> w.connection() == AgentConnection.State.REGISTERED ? 1 : 0,
                "1 while registered with LiveKit");
        FunctionCounter.builder("holdline.agent.reconnects", worker, w -> Math.max(0, w.registrations() - 1))
                .description("Registrations after a lost connection").register(registry);
        // Both kinds always: the series exist (at 0) where a kind is off, so dashboards need no special case.
        for (String kind : new String[] {"task", "instance"}) {
            protectionGauge("holdline.protection.enabled", worker, kind, s -> s.enabled() ? 1 : 0);
            protectionGauge("holdline.protection.wanted", worker, kind, s -> s.wanted() ? 1 : 0);
            protectionGauge("holdline.protection.failures", worker, kind, s -> s.consecutiveFailures());
        }
    }

    private void gauge(String name, WorkerView worker, ToDoubleFunction<WorkerView> value, String description) {
        Gauge.builder(name, worker, value).description(description).register(registry);
    }

    private void protectionGauge(String name, WorkerView worker, String kind,
                                 ToDoubleFunction<dev.holdline.lifecycle.protection.ProtectionStatus> value) {
        Gauge.builder(name, worker, w -> w.protection().stream().filter(p -> p.kind().equals(kind)).findFirst()
                        .map(p -> value.applyAsDouble(p.status())).orElse(0.0))
                .tag("kind", kind).register(registry);
    }

    /** The registry, for an application's own meters (they show on the same {@code /metrics}). */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    private static Duration[] durations(long... seconds) {
        Duration[] d = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            d[i] = Duration.ofSeconds(seconds[i]);
        }
        return d;
    }
}
