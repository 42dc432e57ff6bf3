package dev.holdline.lifecycle.aws;

import dev.holdline.lifecycle.DrainTimer;
import dev.holdline.lifecycle.profile.Durations;
import io.github.resilience4j.retry.Retry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/**
 * Notices that Auto Scaling is terminating this EC2 instance, starts the drain, and — with a
 * termination lifecycle hook — holds the instance until the worker is idle.
 *
 * <p>It polls IMDSv2 {@code meta-data/autoscaling/target-lifecycle-state}. When that reads
 * {@code Terminated} (compared ignoring case) it calls {@code onTerminating} once and stops polling.
 * Other states are not termination: {@code InService}, {@code Standby}, {@code Detached}, and the
 * warm-pool states {@code Warmed:*} — including {@code Warmed:Terminated}, an instance leaving the
 * warm pool, where ECS runs no tasks. A 404 (not in an Auto Scaling group) keeps polling quietly at
 * DEBUG; an unreachable IMDS is logged at WARN once per outage, then at DEBUG.
 *
 * <p>With a {@link LifecycleHook}: from the moment it fires it sends
 * {@code RecordLifecycleActionHeartbeat} at once and then every heartbeat interval while the worker
 * drains; when the worker reports {@link #workerIdle()} it either sends
 * {@code CompleteLifecycleAction(CONTINUE)} once or just stops heartbeating, as the
 * {@link HookCompletion} says. Failed calls are retried with jitter ({@link RetryPolicy}), logged,
 * and shown in {@link #status()}; a completion that still fails is tried again at the next
 * heartbeat tick. Without a hook, Auto Scaling terminates the instance on its own schedule and the
 * drain gets whatever time is left (ECS managed draining, if enabled, SIGTERMs the tasks itself).
 *
 * <p>All work runs on a daemon thread of the watcher's own, or on a {@link DrainTimer} the caller
 * passes (tests drive a manual one). {@link #close()} stops it; it closes neither the {@link Imds}
 * nor the {@link AutoScalingClient}.
 */
public final class InstanceTerminationWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InstanceTerminationWatcher.class);

    /** The IMDS item Auto Scaling updates when it moves the instance towards a new lifecycle state. */
    public static final String TARGET_LIFECYCLE_STATE = "meta-data/autoscaling/target-lifecycle-state";

    /**
     * Time between IMDS polls, 5 s. IMDS is served on the instance itself, costs no API budget and
     * answers in about a millisecond, while every second of notice counts: without a lifecycle hook
     * the instance is shut down soon after the state turns {@code Terminated}, and with one the
     * hook's heartbeat timeout is already running.
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

    /**
     * Time between lifecycle-hook heartbeats, 60 s. It must stay below the hook's
     * {@code HeartbeatTimeout} (30–7200 s; 3600 s unless set) with room for a failed heartbeat and its
     * retries — so give the hook a timeout of at least 120 s, or set a shorter interval. Each
     * heartbeat restarts the hook's timeout; Auto Scaling still ends the wait after 48 hours or
     * 100 heartbeat timeouts, whichever is less.
     */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(60);

    /** Hooks accept heartbeat timeouts up to 7200 s; an interval at least that long can keep no hook alive. */
    static final Duration MAX_HOOK_HEARTBEAT_TIMEOUT = Duration.ofSeconds(7200);

    /**
     * IAM actions for the hook (instance role, or task role when the task calls Auto Scaling):
     * {@code autoscaling:RecordLifecycleActionHeartbeat} always, {@code autoscaling:CompleteLifecycleAction}
     * for {@link HookCompletion#COMPLETE_WHEN_IDLE}. {@link LifecycleHook#discover} also needs
     * {@code autoscaling:DescribeAutoScalingInstances}. Without a hook only IMDS is read: no IAM action.
     */
    public static Set<String> requiredIamActions(HookCompletion completion) {
        return completion == HookCompletion.COMPLETE_WHEN_IDLE
                ? Set.of("autoscaling:RecordLifecycleActionHeartbeat", "autoscaling:CompleteLifecycleAction")
                : Set.of("autoscaling:RecordLifecycleActionHeartbeat");
    }

    /**
     * What the watcher knows, for logs and the admin API.
     *
     * @param watching        IMDS polls are scheduled (false once it fired, or after close)
     * @param lastPollAt      when the last IMDS poll ended
     * @param lifecycleState  the last target lifecycle state read; empty when IMDS had none (404) or was unreachable
     * @param lastError       the last failure (IMDS or Auto Scaling); cleared by the next success of that kind
     * @param terminating     {@code Terminated} was seen and {@code onTerminating} was called
     * @param idle            the worker reported {@link #workerIdle()}
     * @param heartbeats      lifecycle heartbeats sent successfully
     * @param lastHeartbeatAt when the last one succeeded
     * @param hookCompleted   {@code CompleteLifecycleAction(CONTINUE)} succeeded
     */
    public record Status(boolean watching, Optional<Instant> lastPollAt, Optional<String> lifecycleState,
                         Optional<String> lastError, boolean terminating, boolean idle, int heartbeats,
                         Optional<Instant> lastHeartbeatAt, boolean hookCompleted) {
    }

    /**
     * Starts building a watcher.
     *
     * @param imds          IMDSv2 client (e.g. {@code new Imds(Imds.DEFAULT_ENDPOINT, Duration.ofSeconds(1))})
     * @param onTerminating the drain trigger, called at most once with the reason
     */
    public static Builder builder(Imds imds, Consumer<String> onTerminating) {
        return new Builder(imds, onTerminating);
    }

    /** Options; {@link #start()} checks them and starts polling. */
    public static final class Builder {
        private final Imds imds;
        private final Consumer<String> onTerminating;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private LifecycleHook hook;
        private AutoScalingClient autoScaling;
        private HookCompletion completion;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private DrainTimer timer;
        private Clock clock = Clock.systemUTC();

        private Builder(Imds imds, Consumer<String> onTerminating) {
            this.imds = Objects.requireNonNull(imds, "imds");
            this.onTerminating = Objects.requireNonNull(onTerminating, "onTerminating");
        }

        /** Time between IMDS polls; default {@link #DEFAULT_POLL_INTERVAL}. */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Holds the instance in {@code Terminating:Wait} through {@code hook} while the worker drains.
         *
         * @param autoScaling e.g. from {@link AwsClients#autoScaling}; the watcher does not close it
         * @param completion  how the hook ends once the worker is idle; see {@link HookCompletion}
         */
        public Builder lifecycleHook(LifecycleHook hook, AutoScalingClient autoScaling, HookCompletion completion) {
            this.hook = Objects.requireNonNull(hook, "hook");
            this.autoScaling = Objects.requireNonNull(autoScaling, "autoScaling");
            this.completion = Objects.requireNonNull(completion, "completion");
            return this;
        }

        /** Time between heartbeats; default {@link #DEFAULT_HEARTBEAT_INTERVAL}. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /** Retries of failed Auto Scaling calls; default {@link RetryPolicy#DEFAULT}. */
        public Builder retry(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Runs the work on this timer (which the caller stops) instead of a thread of the watcher's own. */
        public Builder timer(DrainTimer timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** Clock for the times in {@link Status}; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Starts polling IMDS at once.
         *
         * @throws IllegalArgumentException when an interval is not positive, or the heartbeat interval
         *         is not below the longest heartbeat timeout a hook can have (7200 s)
         */
        public InstanceTerminationWatcher start() {
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
            }
            if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
                throw new IllegalArgumentException("heartbeatInterval must be positive, was " + heartbeatInterval);
            }
            if (heartbeatInterval.compareTo(MAX_HOOK_HEARTBEAT_TIMEOUT) >= 0) {
                throw new IllegalArgumentException("heartbeatInterval " + Durations.format(heartbeatInterval)
                        + " cannot keep a lifecycle hook alive: hook heartbeat timeouts are at most 7200 s,"
                        + " and the interval must stay below the hook's timeout");
            }
            TaskScheduler scheduler = timer != null ? TaskScheduler.on(timer)
                    : TaskScheduler.ownThread("holdline-instance-watcher");
            InstanceTerminationWatcher watcher = new InstanceTerminationWatcher(this, scheduler);
            if (hook == null) {
                log.info("Instance termination watcher on: polls IMDS {} every {}; no lifecycle hook, so the"
                        + " drain gets whatever time Auto Scaling leaves", TARGET_LIFECYCLE_STATE, Durations.format(pollInterval));
            } else {
                log.info("Instance termination watcher on: polls IMDS {} every {}; holds lifecycle hook {} of group {}"
                                + " for {} with a heartbeat every {}, {} once idle", TARGET_LIFECYCLE_STATE,
                        Durations.format(pollInterval), hook.hookName(), hook.asgName(), hook.instanceId(),
                        Durations.format(heartbeatInterval), completion == HookCompletion.COMPLETE_WHEN_IDLE
                                ? "completing it" : "letting it expire");
            }
            scheduler.schedule(Duration.ZERO, watcher::pollImds);
            return watcher;
        }
    }

    private final Imds imds;
    private final Consumer<String> onTerminating;
    private final Duration pollInterval;
    private final Duration heartbeatInterval;
    private final LifecycleHook hook;
    private final AutoScalingClient autoScaling;
    private final HookCompletion completion;
    private final Retry heartbeatRetry;
    private final Retry completeRetry;
    private final Clock clock;
    private final TaskScheduler scheduler;

    private final Object lock = new Object();
    // Guarded by lock.
    private Instant lastPollAt;
    private String lifecycleState;
    private String lastError;
    private boolean imdsWarned;
    private boolean terminating;
    private boolean idle;
    private boolean callInFlight;
    private boolean hookDone;
    private boolean hookCompleted;
    private int heartbeats;
    private Instant lastHeartbeatAt;

    private InstanceTerminationWatcher(Builder b, TaskScheduler scheduler) {
        this.imds = b.imds;
        this.onTerminating = b.onTerminating;
        this.pollInterval = b.pollInterval;
        this.heartbeatInterval = b.heartbeatInterval;
        this.hook = b.hook;
        this.autoScaling = b.autoScaling;
        this.completion = b.completion;
        this.heartbeatRetry = b.retry.toRetry("autoscaling-heartbeat");
        this.completeRetry = b.retry.toRetry("autoscaling-complete");
        this.clock = b.clock;
        this.scheduler = scheduler;
    }

    /** A snapshot of what the watcher knows. */
    public Status status() {
        synchronized (lock) {
            return new Status(!terminating && !scheduler.closed(), Optional.ofNullable(lastPollAt),
                    Optional.ofNullable(lifecycleState), Optional.ofNullable(lastError), terminating, idle, heartbeats,
                    Optional.ofNullable(lastHeartbeatAt), hookCompleted);
        }
    }

    /**
     * The worker is draining and holds no session any more; it will take none. With
     * {@link HookCompletion#COMPLETE_WHEN_IDLE} the hook is completed (now, or as soon as termination
     * is seen); with {@link HookCompletion#EXPIRE_AFTER_LAST_HEARTBEAT} heartbeats stop. Idempotent;
     * returns at once (the call runs on the watcher's thread): wait with {@link #awaitHookSettled}
     * before exiting.
     */
    public void workerIdle() {
        synchronized (lock) {
            if (idle) {
                return;
            }
            idle = true;
        }
        log.debug("Worker reported idle");
        scheduler.schedule(Duration.ZERO, this::afterIdleOrCall);
    }

    /**
     * Waits until the lifecycle hook needs nothing more from this worker — completed, left to
     * expire, or given up on — so that the worker can exit without cutting off the completion that
     * {@link #workerIdle()} started. Returns {@code true} at once when there is no hook or the
     * instance is not terminating (the drain came from elsewhere).
     *
     * @return {@code false} when {@code timeout} passed first, or the watcher was closed
     */
    public boolean awaitHookSettled(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (hook != null && terminating && !hookDone) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || scheduler.closed()) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Stops polling and heartbeats (a call in flight ends without effect). Idempotent. */
    @Override
    public void close() {
        scheduler.close();
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    // --- IMDS -------------------------------------------------------------------------------

    private void pollImds() {
        Optional<String> state;
        try {
            state = imds.get(TARGET_LIFECYCLE_STATE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (IOException | RuntimeException e) {
            imdsFailed(e);
            scheduler.schedule(pollInterval, this::pollImds);
            return;
        }
        if (scheduler.closed()) {
            return;
        }
        String previous;
        boolean recovered;
        synchronized (lock) {
            previous = lifecycleState;
            recovered = imdsWarned;
            imdsWarned = false;
            lastPollAt = clock.instant();
            lifecycleState = state.orElse(null);
            lastError = null;
        }
        if (recovered) {
            log.info("IMDS answers again ({} {})", TARGET_LIFECYCLE_STATE, state.orElse("not found"));
        }
        if (state.isEmpty()) {
            log.debug("IMDS has no {} (404): not in an Auto Scaling group, or not yet; polling on", TARGET_LIFECYCLE_STATE);
            scheduler.schedule(pollInterval, this::pollImds);
            return;
        }
        String value = state.get();
        if (!value.equals(previous)) {
            log.info("Instance target lifecycle state: {}", value);
        }
        if (isTermination(value)) {
            fire("Auto Scaling is terminating " + (hook != null ? "instance " + hook.instanceId() : "this instance")
                    + " (IMDS target-lifecycle-state " + value + ")");
        } else {
            scheduler.schedule(pollInterval, this::pollImds);
        }
    }

    /** {@code Terminated}, ignoring case and surrounding blanks; not {@code Warmed:Terminated} or any other state. */
    static boolean isTermination(String targetLifecycleState) {
        return targetLifecycleState.strip().equalsIgnoreCase("Terminated");
    }

    private void imdsFailed(Exception e) {
        String error = "IMDS " + TARGET_LIFECYCLE_STATE + ": " + AwsErrors.describe(e);
        boolean first;
        synchronized (lock) {
            first = !imdsWarned;
            imdsWarned = true;
            lastPollAt = clock.instant();
            lifecycleState = null;
            lastError = error;
        }
        if (first) {
            log.warn("Cannot read {} — instance termination goes unnoticed until it can (in a container on EC2 the"
                    + " IMDS hop limit must be 2); retrying every {}, further failures at DEBUG",
                    error, Durations.format(pollInterval));
        } else {
            log.debug("Still cannot read {}", error);
        }
    }

    private void fire(String reason) {
        synchronized (lock) {
            if (terminating) {
                return;
            }
            terminating = true;
        }
        log.info("{}: draining", reason);
        try {
            onTerminating.accept(reason);
        } catch (RuntimeException e) {
            log.error("The instance-termination drain trigger failed", e);
        }
        if (hook != null) {
            tick();
        }
    }

    // --- Lifecycle hook -----------------------------------------------------------------------

    private enum Action { NONE, HEARTBEAT, COMPLETE }

    /** The hook's clock: runs from the moment termination is seen until the hook is done. */
    private void tick() {
        Action action;
        boolean stopping = false;
        synchronized (lock) {
            if (hookDone) {
                return;
            }
            if (idle && completion == HookCompletion.EXPIRE_AFTER_LAST_HEARTBEAT) {
                hookDone = true;
                lock.notifyAll();
                stopping = true;
                action = Action.NONE;
            } else if (callInFlight) {
                action = Action.NONE;
            } else {
                action = idle ? Action.COMPLETE : Action.HEARTBEAT;
                callInFlight = true;
            }
        }
        if (stopping) {
            log.info("Worker idle: heartbeats for lifecycle hook {} stop; Auto Scaling ends the hook when its heartbeat"
                    + " timeout runs out after the last heartbeat from any task on this instance", hook.hookName());
            return;
        }
        scheduler.schedule(heartbeatInterval, this::tick);
        call(action);
    }

    /** After {@link #workerIdle()} or after a hook call: completes the hook when that is due and nothing is in flight. */
    private void afterIdleOrCall() {
        boolean complete = false;
        boolean stop = false;
        synchronized (lock) {
            if (hook != null && terminating && idle && !hookDone && !callInFlight) {
                if (completion == HookCompletion.COMPLETE_WHEN_IDLE) {
                    complete = true;
                    callInFlight = true;
                } else {
                    stop = true;
                    hookDone = true;
                    lock.notifyAll();
                }
            }
        }
        if (complete) {
            call(Action.COMPLETE);
        } else if (stop) {
            log.info("Worker idle: heartbeats for lifecycle hook {} stop; Auto Scaling ends the hook when its heartbeat"
                    + " timeout runs out after the last heartbeat from any task on this instance", hook.hookName());
        }
    }

    private void call(Action action) {
        switch (action) {
            case HEARTBEAT -> RetryingCall.run(scheduler, heartbeatRetry, "RecordLifecycleActionHeartbeat",
                    () -> autoScaling.recordLifecycleActionHeartbeat(r -> r.lifecycleHookName(hook.hookName())
                            .autoScalingGroupName(hook.asgName()).instanceId(hook.instanceId())),
                    ok -> heartbeatSent(), (e, attempts) -> hookCallFailed("RecordLifecycleActionHeartbeat", e, attempts));
            case COMPLETE -> RetryingCall.run(scheduler, completeRetry, "CompleteLifecycleAction",
                    () -> autoScaling.completeLifecycleAction(r -> r.lifecycleHookName(hook.hookName())
                            .autoScalingGroupName(hook.asgName()).instanceId(hook.instanceId())
                            .lifecycleActionResult("CONTINUE")),
                    ok -> completed(), (e, attempts) -> hookCallFailed("CompleteLifecycleAction", e, attempts));
            case NONE -> {
            }
        }
    }

    private void heartbeatSent() {
        int n;
        synchronized (lock) {
            callInFlight = false;
            heartbeats++;
            n = heartbeats;
            lastHeartbeatAt = clock.instant();
            lastError = null;
        }
        log.debug("Lifecycle hook {} heartbeat {} sent", hook.hookName(), n);
        afterIdleOrCall();
    }

    private void completed() {
        synchronized (lock) {
            callInFlight = false;
            hookDone = true;
            hookCompleted = true;
            lastError = null;
            lock.notifyAll();
        }
        log.info("Completed lifecycle action {} for {} with CONTINUE: Auto Scaling may terminate the instance now",
                hook.hookName(), hook.instanceId());
    }

    private void hookCallFailed(String call, Exception e, int attempts) {
        String cause = AwsErrors.describe(e)
                + (AwsErrors.accessDenied(e) ? " — the role needs autoscaling:" + call : "");
        String error = call + ": " + cause;
        boolean giveUp = call.equals("CompleteLifecycleAction") && !AwsErrors.retryable(e);
        synchronized (lock) {
            callInFlight = false;
            lastError = error;
            if (giveUp) {
                hookDone = true;
                lock.notifyAll();
            }
        }
        if (giveUp) {
            log.warn("{} failed: {}; not trying again — Auto Scaling ends the hook when its heartbeat timeout runs out"
                    + " (no more heartbeats are sent)", call, cause);
        } else {
            log.warn("{} failed after {} {}: {}; trying again in {}", call, attempts, attempts == 1 ? "try" : "tries",
                    cause, Durations.format(heartbeatInterval));
            if (call.equals("RecordLifecycleActionHeartbeat")) {
                afterIdleOrCall(); // the worker may have gone idle meanwhile: complete now rather than at the next tick
            }
        }
    }
}
