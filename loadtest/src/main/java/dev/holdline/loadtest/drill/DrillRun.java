package dev.holdline.loadtest.drill;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.loadtest.caller.SyntheticCaller;
import dev.holdline.worker.room.RoomConnector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One drill run: an embedded dev server, a fleet of worker processes, the planned callers, and a
 * rolling restart in the middle of them. {@link Mode#DRAIN} deploys as ECS does with a stop timeout
 * that covers the profiles' drains; {@link Mode#BASELINE} is the naive deploy: SIGKILL a fixed stop
 * timeout after SIGTERM, whatever the worker is doing.
 */
public final class DrillRun {
    public enum Mode {
        DRAIN("drain", "rolling restart, SIGTERM → drain; SIGKILL only after the profiles' drain timeout + margin"),
        BASELINE("baseline", "naive (Fargate-style) deploy: SIGTERM, then SIGKILL after a fixed stop timeout, no waiting"
                + " for calls");

        final String id;
        final String description;

        Mode(String id, String description) {
            this.id = id;
            this.description = description;
        }

        public String id() {
            return id;
        }
    }

    static final String KEY = "devkey";
    /** Between the workers' margin and the generated profile: exit and job reporting take well under a second. */
    static final Duration GENERATED_SAFETY_MARGIN = Duration.ofSeconds(3);

    private final DrillOptions options;
    private final CallPlan plan;
    private final Mode mode;
    private final Path outDir;
    private final String secret = "drill-" + Long.toHexString(System.nanoTime()) + "-secret";
    private final long t0 = System.nanoTime();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peakActive = new AtomicInteger();
    private volatile String phase = "starting";
    private volatile Fleet fleet;
    private final List<String> notes = new CopyOnWriteArrayList<>();

    public DrillRun(DrillOptions options, CallPlan plan, Mode mode, Path outDir) {
        this.options = options;
        this.plan = plan;
        this.mode = mode;
        this.outDir = outDir;
    }

    public Mode mode() {
        return mode;
    }

    /** One line of live status for the progress bar. */
    public Progress.Snapshot snapshot() {
        Fleet f = fleet;
        String workers = f == null ? "" : f.workers.stream().filter(WorkerProcess::alive).map(w -> {
            WorkerProcess.Status s = f.lastStatus.get(w.label);
            return w.label + (s == null ? ":starting" : ":" + s.state().toLowerCase() + "(" + s.sessions() + ")");
        }).collect(Collectors.joining(" "));
        return new Progress.Snapshot(mode.id, (System.nanoTime() - t0) / 1_000_000, plan.calls().size(), started.get(),
                ended.get(), active.get(), cut.get(), phase, workers);
    }

    public RunResult run() throws Exception {
        Files.createDirectories(outDir);
        Path profiles = options.profiles() != null ? options.profiles() : writeProfiles();
        ProfileConfig config = ProfileConfig.load(profiles, Map.of());
        Duration longestDrain = config.longestDrainTimeout();
        Duration stopTimeout = mode == Mode.DRAIN ? config.minimumStopTimeout() : options.scaled(options.baselineStopTimeout());
        if (mode == Mode.DRAIN && longestDrain.compareTo(plan.longestCall()) < 0) {
            notes.add("The profiles' longest drain_timeout (" + longestDrain.toMillis() + " ms) is shorter than the longest"
                    + " planned call (" + plan.longestCall().toMillis() + " ms): calls running at SIGTERM may reach their"
                    + " deadline and be cut. Raise drain_timeout in " + profiles + ".");
        }
        List<String> args = new ArrayList<>(List.of("start", "--agent", options.agent(), "--health-port", "0",
                // The load threshold is off: the drill measures deploys, and CPU load on a 2-core machine shared by
                // callers, relay and workers would make workers refuse offers for reasons a deploy does not have.
                "--load-threshold", "Infinity", "--max-sessions", "100", "--profiles", profiles.toString()));
        try (DevServer server = DevServer.builder().port(0).key(KEY, secret).build().start();
             RoomConnector connector = new RoomConnector()) {
            List<TimedEvent> events = new CopyOnWriteArrayList<>();
            server.addListener(e -> events.add(new TimedEvent(now(), e)));
            Map<String, String> env = new HashMap<>(Map.of("LIVEKIT_URL", server.httpUrl(), "LIVEKIT_API_KEY", KEY,
                    "LIVEKIT_API_SECRET", secret, "HOLDLINE_LOG_FORMAT", "text"));
            if (mode == Mode.DRAIN) {
                // What infra does: tell the worker the container's stop timeout, so deadlines fit under it.
                env.put(ProfileConfig.STOP_TIMEOUT_ENV, stopTimeout.toMillis() + "ms");
            }
            Fleet f = new Fleet(t0, args, env, options.workerJvmOptions(), outDir.resolve("workers-" + mode.id),
                    options.replacementNice());
            fleet = f;
            try {
                phase = "starting " + options.workers() + " worker(s)";
                f.startRegistered(options.workers(), 1);
                return drive(server, connector, f, events, stopTimeout, longestDrain, profiles);
            } finally {
                f.close();
            }
        }
    }

    private RunResult drive(DevServer server, RoomConnector connector, Fleet f, List<TimedEvent> events,
                            Duration stopTimeout, Duration longestDrain, Path profiles) throws Exception {
        SyntheticCaller.Options callerOptions = SyntheticCaller.Options.defaults()
                .withTalkPattern(options.talk(), options.pause());
        warmUp(server, connector, callerOptions);
        long callsT0 = System.nanoTime();
        List<Future<RunResult.CallOutcome>> futures = new ArrayList<>();
        Future<?> deploy;
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            phase = "calls arriving";
            f.mark("-", "CALLS", "the measured calls start");
            for (CallPlan.PlannedCall c : plan.calls()) {
                boolean last = c.index() == plan.calls().size();
                futures.add(exec.submit(() -> {
                    sleepUntil(callsT0 + c.startMillis() * 1_000_000);
                    if (last && phase.equals("calls arriving")) {
                        phase = "all calls arrived";
                    }
                    long startMillis = now();
                    RunResult.CallOutcome o = DrillCall.run(server, connector, "drill-" + mode.id + "-" + c.index(), c,
                            options.agent(), callerOptions, options.cutSilence(), startMillis, () -> {
                                started.incrementAndGet();
                                peakActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                            });
                    counted(o);
                    return o;
                }));
            }
            deploy = exec.submit(() -> {
                sleepUntil(callsT0 + options.effectiveDeployAt().toNanos());
                phase = "rolling restart";
                f.rollingRestart(options.minHealthyPercent(), options.maxPercent(), stopTimeout);
                phase = "deploy done";
                return null;
            });
            List<RunResult.CallOutcome> outcomes = new ArrayList<>();
            for (Future<RunResult.CallOutcome> fu : futures) {
                outcomes.add(fu.get());
            }
            deploy.get();
            phase = "stopping workers";
            f.stopAll();
            return result(server, f, events, outcomes, stopTimeout, longestDrain, profiles);
        }
    }

    private void counted(RunResult.CallOutcome o) {
        active.decrementAndGet();
        ended.incrementAndGet();
        if (o.cut()) {
            cut.incrementAndGet();
        }
    }

    private RunResult result(DevServer server, Fleet f, List<TimedEvent> events, List<RunResult.CallOutcome> raw,
                             Duration stopTimeout, Duration longestDrain, Path profiles) {
        Map<String, String> labelById = new HashMap<>();
        f.workers.forEach(w -> w.workerId().ifPresent(id -> labelById.put(id, w.label)));
        Map<String, JobView> jobByRoom = new HashMap<>();
        server.jobs().forEach(j -> jobByRoom.put(j.room(), j));
        List<RunResult.CallOutcome> calls = raw.stream().map(o -> {
            JobView j = jobByRoom.get(o.room());
            String worker = j == null || j.workerId() == null ? null : labelById.getOrDefault(j.workerId(), j.workerId());
            return o.with(j == null ? null : j.jobId(), worker, diagnose(o, raw));
        }).toList();

        Map<String, Long> sigtermAt = new HashMap<>();
        f.marks.stream().filter(m -> m.kind().equals("SIGTERM")).forEach(m -> sigtermAt.putIfAbsent(m.worker(), m.tMillis()));
        // The warm-up's jobs are not the drill's: leave their offers out.
        java.util.Set<String> warmJobs = server.jobs().stream().filter(j -> j.room().startsWith(WARMUP_ROOM))
                .map(JobView::jobId).collect(Collectors.toSet());
        events = events.stream().filter(e -> !warmJobs.contains(jobIdOf(e.event))).toList();
        long offersSent = events.stream().filter(e -> e.event instanceof AgentEvent.OfferSent).count();
        long rejected = events.stream().filter(e -> e.event instanceof AgentEvent.OfferAnswered a && !a.available()).count();
        long timedOut = events.stream().filter(e -> e.event instanceof AgentEvent.OfferTimedOut).count();
        long lost = events.stream().filter(e -> e.event instanceof AgentEvent.JobUnassigned).count();
        long acceptedAfterSigterm = events.stream().filter(e -> e.event instanceof AgentEvent.OfferAnswered a && a.available()
                && sigtermAt.containsKey(labelById.get(a.workerId()))
                && e.tMillis > sigtermAt.get(labelById.get(a.workerId()))).count();

        long[] firstAudio = calls.stream().mapToLong(RunResult.CallOutcome::dispatchToFirstAudioMillis)
                .filter(v -> v >= 0).sorted().toArray();
        List<RunResult.WorkerSummary> workers = f.workers.stream().map(w -> new RunResult.WorkerSummary(w.label,
                w.generation, w.pid(), w.workerId().orElse(null), markAt(f, w.label, "START"),
                markAt(f, w.label, "REGISTERED"), markAt(f, w.label, "SIGTERM"), markAt(f, w.label, "SIGKILL"),
                markAt(f, w.label, "EXIT"), w.exitCode().orElse(-1), f.peakRss.getOrDefault(w.label, 0L),
                (int) calls.stream().filter(c -> w.label.equals(c.worker())).count(), w.drainLine().orElse(null),
                outDir.relativize(w.logFile()).toString())).toList();
        int cutCount = (int) calls.stream().filter(RunResult.CallOutcome::cut).count();
        int unanswered = (int) calls.stream().filter(c -> c.dispatchToFirstAudioMillis() < 0).count();
        return new RunResult(mode.id, mode.description, now(), plan.calls().size(), started.get(),
                calls.size() - cutCount, cutCount, unanswered, offersSent, rejected, timedOut, lost, acceptedAfterSigterm,
                percentile(firstAudio, 0.50), percentile(firstAudio, 0.99), f.deployStartMillis, f.deployEndMillis,
                f.deployEndMillis < 0 ? -1 : f.deployEndMillis - f.deployStartMillis, stopTimeout.toMillis(),
                plan.longestCall().toMillis(), longestDrain.toMillis(), peakActive.get(), profiles.toString(),
                f.protectionBackend, workers, calls, List.copyOf(f.samples), List.copyOf(f.marks), List.copyOf(notes));
    }

    private static String jobIdOf(AgentEvent e) {
        return switch (e) {
            case AgentEvent.OfferSent o -> o.jobId();
            case AgentEvent.OfferAnswered o -> o.jobId();
            case AgentEvent.OfferTimedOut o -> o.jobId();
            case AgentEvent.JobUnassigned o -> o.jobId();
            default -> "";
        };
    }

    static final String WARMUP_ROOM = "warmup-";

    /**
     * Uncounted calls before the measured ones, one pair per worker, for {@link DrillOptions#warmup()}:
     * a fresh JVM compiles its hot audio paths in the first seconds under load, and on two shared
     * cores that stalls every call for up to a second. In the deploy being imitated the callers,
     * the SFU and the old workers have long been running; only the new workers start cold, as here.
     */
    private List<RunResult.CallOutcome> warmUp(DevServer server, RoomConnector connector,
                                               SyntheticCaller.Options callerOptions) throws Exception {
        long length = options.warmup().toMillis();
        if (length == 0) {
            return List.of();
        }
        phase = "warming up (" + options.warmup().toSeconds() + " s, not counted)";
        int n = 2 * options.workers();
        List<Future<RunResult.CallOutcome>> futures = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                CallPlan.PlannedCall c = new CallPlan.PlannedCall(-(i + 1), i * 500L, length - i * 500L);
                futures.add(exec.submit(() -> {
                    sleepUntil(t + c.startMillis() * 1_000_000);
                    return DrillCall.run(server, connector, WARMUP_ROOM + mode.id + "-" + (-c.index()), c, options.agent(),
                            callerOptions, options.cutSilence(), now(), () -> { });
                }));
            }
            List<RunResult.CallOutcome> out = new ArrayList<>();
            for (Future<RunResult.CallOutcome> fu : futures) {
                out.add(fu.get());
            }
            long cutCount = out.stream().filter(RunResult.CallOutcome::cut).count();
            notes.add("Warm-up: " + n + " calls for " + options.warmup().toSeconds() + " s before the measured calls, not"
                    + " counted" + (cutCount == 0 ? "" : " (" + cutCount + " of them heard a gap of "
                    + options.cutSilence().toMillis() + " ms or more while the JVMs warmed up)") + ".");
            return out;
        }
    }

    /**
     * For a call cut by a silent stretch: how many other calls live at that moment heard a gap of
     * 300 ms or more overlapping it. Most of them at once means the machine stalled (all callers,
     * the relay and every worker share its CPUs), not that a deploy cut this call; it stays a cut.
     */
    private static String diagnose(RunResult.CallOutcome o, List<RunResult.CallOutcome> all) {
        if (!o.cut() || o.cutReason() == null || o.gaps().isEmpty() || o.cutAtMillis() < 0) {
            return null;
        }
        RunResult.HeardGap g = o.gaps().stream().filter(x -> x.lengthMillis() >= 1000).findFirst().orElse(null);
        if (g == null) {
            return null;
        }
        long from = g.startMillis();
        long to = g.startMillis() + g.lengthMillis();
        List<RunResult.CallOutcome> live = all.stream().filter(c -> c != o && c.startMillis() < from
                && c.startMillis() + c.lengthMillis() > to).toList();
        long alsoHeard = live.stream().filter(c -> c.gaps().stream()
                .anyMatch(x -> x.startMillis() < to && x.startMillis() + x.lengthMillis() > from)).count();
        return alsoHeard + " of " + live.size() + " other live calls heard a gap at the same moment"
                + (live.size() >= 2 && alsoHeard * 2 > live.size() ? ": the machine stalled (CPU starved), not one worker" : "");
    }

    private static long markAt(Fleet f, String worker, String kind) {
        return f.marks.stream().filter(m -> m.worker().equals(worker) && m.kind().equals(kind))
                .mapToLong(RunResult.Mark::tMillis).min().orElse(-1);
    }

    /** Nearest-rank percentile; -1 for no values. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    /** One profile, {@code default}, whose drain covers the longest call the distribution can produce plus headroom. */
    private Path writeProfiles() throws IOException {
        long cap = CallPlan.capMillis(options);
        long headroom = options.scaled(Duration.ofMinutes(1)).toMillis();
        long drainSeconds = (cap + headroom + 999) / 1000;
        long wrapUp = Math.max(1, drainSeconds / 4);
        Path file = outDir.resolve("profiles-generated.yaml");
        Files.writeString(file, """
                # Written by the drill: drain_timeout covers the longest call the length distribution can
                # produce (its 99.9th percentile, scaled) plus one scaled minute of headroom.
                safety_margin: %ds
                default_profile: default
                profiles:
                  default:
                    drain_timeout: %ds
                    wrap_up_notice: %ds
                """.formatted(GENERATED_SAFETY_MARGIN.toSeconds(), drainSeconds, wrapUp));
        return file;
    }

    private long now() {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait)); // the plan's clock: callers arrive at their planned times
        }
    }

    private record TimedEvent(long tMillis, AgentEvent event) {
    }
}
