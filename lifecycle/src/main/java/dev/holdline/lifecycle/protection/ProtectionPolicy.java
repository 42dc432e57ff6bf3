package dev.holdline.lifecycle.protection;

import dev.holdline.lifecycle.DrainTimer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when this worker is protected from scale-in, and keeps it so (DESIGN.md §6.5):
 *
 * <ul>
 *   <li>{@link #busy busy(true)} (≥ 1 session, or load above the threshold — the worker decides)
 *       turns protection on at once, with {@linkplain Builder#expiry an expiry}, renewed at half the
 *       expiry while wanted;</li>
 *   <li>{@code busy(false)} turns it off only after {@linkplain Builder#idleGrace the idle grace};
 *       busy again within the grace changes nothing and makes no call (no flapping);</li>
 *   <li>{@link #clearBeforeExit} turns it off now, waiting a bounded time — call it before the process exits;</li>
 *   <li>at start the state is unknown (a restarted process may have left protection on, and ASG
 *       instance protection never lapses), so a worker that stays idle for the grace clears once.</li>
 * </ul>
 *
 * <p>Backend calls run on the policy's own thread ({@code holdline-protection}); {@code busy} only
 * records the change and returns. A failure never reaches the caller nor the sessions: retryable
 * ones (throttling, 5xx, timeouts) are retried with exponential backoff and jitter (resilience4j
 * {@link Retry}, {@link IntervalFunction#ofExponentialRandomBackoff}), each logged at WARN with the
 * backend's message, then tried again after {@linkplain Builder#cooldown the cooldown}; a
 * non-retryable one (access denied, a task ECS will not protect) is logged at ERROR once, opens the
 * {@link CircuitBreaker} around the backend, and is tried again only after the cooldown, in case the
 * role was fixed. All of it shows in {@link #status()}.
 */
public final class ProtectionPolicy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProtectionPolicy.class);

    /**
     * How long protection holds without renewal, 60 min: it is renewed at 30 min, which rides out an
     * ECS agent hiccup of up to half an hour without losing protection, yet a worker that crashed or
     * hung while protected frees its task for scale-in and deployments within the hour. (The agent's
     * own default, 120 min, would keep a dead worker's task for two.)
     */
    public static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(60);
    /**
     * How long a worker stays protected after it turns idle, 30 s: a new call usually arrives within
     * seconds on a busy fleet, so this keeps protection from flapping off and on between calls, while
     * an idle worker still becomes a scale-in candidate half a minute after its last call.
     */
    public static final Duration DEFAULT_IDLE_GRACE = Duration.ofSeconds(30);
    /** Attempts per change before backing off to the cooldown, 5 (4 retries: ~1, 2, 4, 8 s). */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** First retry delay, 1 s; doubled each retry, with ±50 % jitter. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    /** Longest retry delay, 30 s. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    /**
     * After the retries are spent, a non-retryable failure, or an open circuit: the next try comes
     * 60 s later (also the circuit breaker's open time). Protection that is on stays on meanwhile
     * until it expires.
     */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(60);

    private static final double BACKOFF_MULTIPLIER = 2.0;
    private static final double BACKOFF_JITTER = 0.5;
    private static final String THREAD_NAME = "holdline-protection";

    private final ProtectionBackend backend;
    private final Duration expiry;
    private final Duration idleGrace;
    private final Duration cooldown;
    private final Clock clock;
    private final DrainTimer timer;
    private final boolean ownTimer;
    private final IntervalFunction backoff;
    private final Retry retry;
    private final CircuitBreaker breaker;
    /** The policy's own thread; null for {@link #none}. */
    private final ExecutorService actor;

    private volatile boolean exiting;
    private volatile boolean closed;
    private volatile Snapshot snapshot;

    // Everything below is touched only on the actor thread.
    private boolean busy;
    private boolean wanted;
    private boolean enabled;
    /** Whether protection may be on: initially unknown, after an enable that may have taken effect. */
    private boolean maybeOn = true;
    private boolean renewDue;
    private Instant expiresAt;
    private String lastError;
    private int consecutiveFailures;
    private boolean nonRetryableLogged;
    private Scheduled grace;
    private Scheduled renew;
    /** The next try: after a backoff, or after the cooldown (which a change of target does not cut short). */
    private Scheduled attempt;
    private boolean attemptIsCooldown;
    /** When the circuit may let a call through again; a try refused by the open circuit waits until then. */
    private Instant circuitRetryAt;
    /** The change the current retry sequence works towards; null when none runs. */
    private Boolean sequenceTarget;
    private Retry.AsyncContext<Object> retryContext;
    private int sequenceAttempts;

    private record Snapshot(String backend, boolean wanted, boolean enabled, Instant expiresAt, String lastError,
                            int consecutiveFailures) {
    }

    /** A timer task this policy scheduled; a callback whose field no longer holds it is stale. */
    private static final class Scheduled {
        DrainTimer.Cancellable handle;

        void cancel() {
            if (handle != null) {
                handle.cancel();
            }
        }
    }

    private ProtectionPolicy(Builder b, boolean inert) {
        this.backend = b.backend;
        this.expiry = b.expiry;
        this.idleGrace = b.idleGrace;
        this.cooldown = b.cooldown;
        this.clock = b.clock;
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(b.initialBackoff, BACKOFF_MULTIPLIER,
                BACKOFF_JITTER, b.maxBackoff);
        this.retry = Retry.of(THREAD_NAME, RetryConfig.custom()
                .maxAttempts(b.maxAttempts)
                .intervalFunction(backoff)
                .retryOnException(t -> t instanceof ProtectionException p && p.retryable())
                .build());
        this.breaker = CircuitBreaker.of(THREAD_NAME, CircuitBreakerConfig.custom()
                .slidingWindow(10, 4, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .waitDurationInOpenState(b.cooldown)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(t -> t instanceof ProtectionException)
                .clock(b.clock)
                .build());
        if (inert) {
            breaker.transitionToDisabledState();
            this.timer = null;
            this.ownTimer = false;
            this.actor = null;
        } else {
            this.ownTimer = b.timer == null;
            this.timer = ownTimer ? DrainTimer.newTimer(THREAD_NAME + "-timer") : b.timer;
            this.actor = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(THREAD_NAME).factory());
        }
        publish();
        if (!inert) {
            submit(this::onStart);
        }
    }

    /** A policy for {@code backend}; set options on the builder, then {@link Builder#build()} starts it. */
    public static Builder builder(ProtectionBackend backend) {
        return new Builder(backend);
    }

    /**
     * No protection ("not on AWS", dev mode): {@code busy} only records what would be wanted; no
     * thread, no calls. Logs once, at INFO, that protection is off and why.
     */
    public static ProtectionPolicy none(String reason) {
        // DEBUG: the start-up facts line already says what is off outside ECS and why.
        log.debug("Scale-in protection is off: {}", reason);
        return new ProtectionPolicy(new Builder(new NoProtection(reason)), true);
    }

    /**
     * ECS task protection when {@value EcsTaskProtection#AGENT_URI_ENV} is set (the worker runs as an
     * ECS task), else {@link #none} saying so; all defaults.
     */
    public static ProtectionPolicy fromEnvironment(Map<String, String> env) {
        return EcsTaskProtection.fromEnvironment(env, EcsTaskProtection.DEFAULT_TIMEOUT)
                .map(ecs -> builder(ecs).build())
                .orElseGet(() -> none(EcsTaskProtection.AGENT_URI_ENV
                        + " is not set: not running as an ECS task (ECS agent 1.65.0+ sets it)"));
    }

    /**
     * The worker turned busy ({@code true}: ≥ 1 session or load above the threshold) or idle. Never
     * blocks and never throws; the change is handled on the policy's thread.
     */
    public void busy(boolean nowBusy) {
        if (actor == null) {
            Snapshot s = snapshot;
            snapshot = new Snapshot(s.backend(), nowBusy, false, null, null, 0);
            return;
        }
        if (exiting) {
            return;
        }
        submit(() -> onBusy(nowBusy));
    }

    /**
     * Turns protection off now and waits, at most {@code timeout}, for the platform to confirm —
     * retrying retryable failures within that time (past the circuit breaker: this is the last
     * chance). After this, {@link #busy} changes nothing. Never throws.
     *
     * @return whether protection is confirmed off (or was never on); {@code false} means it lapses
     *         by itself at its expiry (ECS) or stays until cleared (ASG)
     */
    public boolean clearBeforeExit(Duration timeout) {
        if (actor == null) {
            return true;
        }
        exiting = true;
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        if (!submit(() -> exitClear(deadline, done))) {
            return !snapshot.enabled();
        }
        try {
            return done.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("Scale-in protection not confirmed off within {} ({}); it lapses at its expiry",
                    timeout, backend.describe());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** What is wanted and what was last confirmed; cheap, from any thread. */
    public ProtectionStatus status() {
        Snapshot s = snapshot;
        boolean on = s.enabled() && (s.expiresAt() == null || clock.instant().isBefore(s.expiresAt()));
        return new ProtectionStatus(s.backend(), s.wanted(), on, on ? Optional.ofNullable(s.expiresAt()) : Optional.empty(),
                Optional.ofNullable(s.lastError()), s.consecutiveFailures(), breaker.getState().name());
    }

    /**
     * Stops the policy's thread and timer and closes the backend. Makes no protection call: use
     * {@link #clearBeforeExit} first.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        exiting = true;
        if (actor != null) {
            actor.shutdownNow();
            try {
                if (!actor.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("{} thread did not stop within 10 s", THREAD_NAME);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (ownTimer) {
                DrainTimer.shutdown(timer);
            }
        }
        backend.close();
    }

    /**
     * Waits until the policy's thread has handled everything submitted before this call (tests use
     * it to synchronise with that thread instead of sleeping).
     *
     * @return false when it did not within {@code timeout} or the policy is closed
     */
    boolean settle(Duration timeout) {
        if (actor == null) {
            return true;
        }
        CompletableFuture<Void> marker = new CompletableFuture<>();
        if (!submit(() -> marker.complete(null))) {
            return false;
        }
        try {
            marker.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- the policy's thread ------------------------------------------------------------------

    private boolean submit(Runnable task) {
        try {
            actor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("Scale-in protection policy failed; protection may be stale", e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closed
        }
    }

    private Scheduled schedule(Duration delay, Consumer<Scheduled> action) {
        Scheduled s = new Scheduled();
        s.handle = timer.schedule(delay.toNanos(), () -> submit(() -> action.accept(s)));
        return s;
    }

    private static Scheduled cancel(Scheduled s) {
        if (s != null) {
            s.cancel();
        }
        return null;
    }

    private void onStart() {
        if (!busy && !exiting) {
            grace = schedule(idleGrace, this::onGraceElapsed);
        }
    }

    private void onBusy(boolean nowBusy) {
        if (exiting) {
            return;
        }
        busy = nowBusy;
        if (nowBusy) {
            grace = cancel(grace);
            if (!wanted) {
                wanted = true;
                reconcile();
            }
        } else if ((wanted || maybeOn) && grace == null) {
            grace = schedule(idleGrace, this::onGraceElapsed);
        }
        publish();
    }

    private void onGraceElapsed(Scheduled s) {
        if (grace != s || exiting) {
            return;
        }
        grace = null;
        if (busy) {
            return;
        }
        wanted = false;
        renew = cancel(renew);
        renewDue = false;
        reconcile();
        publish();
    }

    private void onRenewDue(Scheduled s) {
        if (renew != s || exiting) {
            return;
        }
        renew = null;
        if (wanted) {
            renewDue = true;
            reconcile();
        }
    }

    /** Makes the call the state needs, unless a retry for the same change is already scheduled. */
    private void reconcile() {
        if (exiting) {
            return;
        }
        boolean target = wanted;
        boolean needed = target ? (!enabled || renewDue) : maybeOn;
        if (!needed) {
            attempt = cancel(attempt);
            attemptIsCooldown = false;
            endSequence();
            publish();
            return;
        }
        if (sequenceTarget == null || sequenceTarget != target) {
            if (!attemptIsCooldown) {
                attempt = cancel(attempt);
            }
            sequenceTarget = target;
            retryContext = retry.asyncContext();
            sequenceAttempts = 0;
        }
        if (attempt == null) {
            attemptNow();
        }
    }

    private void endSequence() {
        sequenceTarget = null;
        retryContext = null;
        sequenceAttempts = 0;
    }

    private void attemptNow() {
        boolean target = sequenceTarget;
        if (!breaker.tryAcquirePermission()) {
            Instant now = clock.instant();
            if (circuitRetryAt == null || !circuitRetryAt.isAfter(now)) {
                circuitRetryAt = now.plus(cooldown);
            }
            Duration wait = Duration.between(now, circuitRetryAt);
            log.debug("Scale-in protection: circuit open, next try in {}", wait);
            endSequence();
            scheduleCooldown(wait);
            publish();
            return;
        }
        sequenceAttempts++;
        long start = breaker.getCurrentTimestamp();
        try {
            backend.setProtected(target, expiry);
            breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
            succeeded(target);
        } catch (ProtectionException e) {
            breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), e);
            failed(target, e);
        } catch (RuntimeException e) {
            ProtectionException wrapped = new ProtectionException("unexpected failure: " + e, true, e);
            breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), wrapped);
            log.warn("{} threw unexpectedly", backend.describe(), e);
            failed(target, wrapped);
        }
        publish();
    }

    private void scheduleBackoff(Duration delay) {
        attempt = cancel(attempt);
        attempt = schedule(delay, this::onBackoffOver);
        attemptIsCooldown = false;
    }

    /** The next try after {@code wait}, at the earliest when the circuit lets calls through again. */
    private void scheduleCooldown(Duration wait) {
        attempt = cancel(attempt);
        attempt = schedule(wait, this::onCooldownOver);
        attemptIsCooldown = true;
    }

    private void onBackoffOver(Scheduled s) {
        if (attempt != s || exiting) {
            return;
        }
        attempt = null;
        reconcile();
    }

    private void onCooldownOver(Scheduled s) {
        if (attempt != s || exiting) {
            return;
        }
        attempt = null;
        attemptIsCooldown = false;
        circuitRetryAt = null;
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            breaker.transitionToHalfOpenState(); // our timer is the authority on the open time
        }
        reconcile();
    }

    private void succeeded(boolean target) {
        boolean renewal = target && enabled;
        consecutiveFailures = 0;
        lastError = null;
        nonRetryableLogged = false;
        if (retryContext != null) {
            retryContext.onComplete();
        }
        endSequence();
        renewDue = false;
        renew = cancel(renew);
        if (target) {
            enabled = true;
            maybeOn = true;
            if (backend.expires()) {
                expiresAt = clock.instant().plus(expiry);
                renew = schedule(expiry.dividedBy(2), this::onRenewDue);
            } else {
                expiresAt = null;
            }
            if (renewal) {
                log.debug("Scale-in protection renewed: {}, until {}", backend.describe(), expiresAt);
            } else {
                log.info("Scale-in protection on: {}{}", backend.describe(),
                        expiresAt == null ? "" : ", until " + expiresAt + " unless renewed");
            }
        } else {
            enabled = false;
            maybeOn = false;
            expiresAt = null;
            log.info("Scale-in protection off: {}", backend.describe());
        }
    }

    private void failed(boolean target, ProtectionException e) {
        if (exiting) {
            log.debug("Scale-in protection call ended while stopping: {}", e.getMessage());
            return;
        }
        consecutiveFailures++;
        lastError = e.getMessage();
        if (e.retryable()) {
            maybeOn = true; // a timed-out call may still have taken effect
        }
        if (enabled && expiresAt != null && !clock.instant().isBefore(expiresAt)) {
            enabled = false;
            expiresAt = null;
            log.warn("Scale-in protection lapsed: renewal kept failing ({})", backend.describe());
        }
        String state = target ? "on" : "off";
        if (e.retryable()) {
            long delayMillis = retryContext.onError(e);
            if (delayMillis >= 0) {
                log.warn("Scale-in protection {} failed ({}): {} — retry {} in {} ms", state, backend.describe(),
                        e.getMessage(), sequenceAttempts, delayMillis);
                scheduleBackoff(Duration.ofMillis(delayMillis));
            } else {
                log.warn("Scale-in protection {} failed ({}): {} — {} attempts failed, next try in {}", state,
                        backend.describe(), e.getMessage(), sequenceAttempts, cooldown);
                endSequence();
                circuitRetryAt = clock.instant().plus(cooldown);
                scheduleCooldown(cooldown);
            }
            return;
        }
        retryContext.onError(e);
        endSequence();
        if (breaker.getState() != CircuitBreaker.State.OPEN) {
            breaker.transitionToOpenState();
        }
        if (!nonRetryableLogged) {
            nonRetryableLogged = true;
            log.error("Scale-in protection {} failed ({}): {} — not retried; protection is {}; next try in {}",
                    state, backend.describe(), e.getMessage(), enabled ? "on until it expires" : "off", cooldown);
        } else {
            log.debug("Scale-in protection {} failed again: {}", state, e.getMessage());
        }
        circuitRetryAt = clock.instant().plus(cooldown);
        scheduleCooldown(cooldown);
    }

    private void exitClear(long deadlineNanos, CompletableFuture<Boolean> done) {
        grace = cancel(grace);
        renew = cancel(renew);
        attempt = cancel(attempt);
        attemptIsCooldown = false;
        endSequence();
        wanted = false;
        renewDue = false;
        if (!maybeOn) {
            publish();
            done.complete(true);
            return;
        }
        for (int n = 1; ; n++) {
            try {
                backend.setProtected(false, expiry);
                succeeded(false);
                publish();
                done.complete(true);
                return;
            } catch (ProtectionException | RuntimeException e) {
                boolean retryable = !(e instanceof ProtectionException p) || p.retryable();
                consecutiveFailures++;
                lastError = e.getMessage();
                publish();
                long waitNanos = TimeUnit.MILLISECONDS.toNanos(backoff.apply(n));
                if (!retryable || System.nanoTime() + waitNanos >= deadlineNanos || closed) {
                    log.warn("Scale-in protection not cleared before exit ({}): {}", backend.describe(), e.getMessage());
                    done.complete(false);
                    return;
                }
                log.warn("Scale-in protection off failed before exit ({}): {} — retry in {} ms",
                        backend.describe(), e.getMessage(), TimeUnit.NANOSECONDS.toMillis(waitNanos));
                try {
                    TimeUnit.NANOSECONDS.sleep(waitNanos);
                } catch (InterruptedException ie) {
                    done.complete(false);
                    return;
                }
            }
        }
    }

    private void publish() {
        snapshot = new Snapshot(backend.describe(), wanted, enabled, expiresAt, lastError, consecutiveFailures);
    }

    /** Options; every default is documented once, on its constant in {@link ProtectionPolicy}. */
    public static final class Builder {
        private final ProtectionBackend backend;
        private Duration expiry = DEFAULT_EXPIRY;
        private Duration idleGrace = DEFAULT_IDLE_GRACE;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration cooldown = DEFAULT_COOLDOWN;
        private DrainTimer timer;
        private Clock clock = Clock.systemUTC();

        private Builder(ProtectionBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** See {@link #DEFAULT_EXPIRY}; 2 min to 48 h (ECS takes 1..2880 minutes; renewal comes at half). */
        public Builder expiry(Duration expiry) {
            this.expiry = Objects.requireNonNull(expiry, "expiry");
            return this;
        }

        /** See {@link #DEFAULT_IDLE_GRACE}; zero clears as soon as the worker turns idle. */
        public Builder idleGrace(Duration idleGrace) {
            this.idleGrace = Objects.requireNonNull(idleGrace, "idleGrace");
            return this;
        }

        /** See {@link #DEFAULT_MAX_ATTEMPTS}, {@link #DEFAULT_INITIAL_BACKOFF}, {@link #DEFAULT_MAX_BACKOFF}. */
        public Builder retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
            this.maxAttempts = maxAttempts;
            this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
            this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
            return this;
        }

        /** See {@link #DEFAULT_COOLDOWN}. */
        public Builder cooldown(Duration cooldown) {
            this.cooldown = Objects.requireNonNull(cooldown, "cooldown");
            return this;
        }

        /** Schedules grace, renewal and retries; default: the policy's own timer thread. Tests pass a manual one. */
        public Builder timer(DrainTimer timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** Reads the time for expiries and the circuit breaker; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Checks the options and starts the policy.
         *
         * @throws IllegalArgumentException naming the option and the accepted range
         */
        public ProtectionPolicy build() {
            if (expiry.compareTo(Duration.ofMinutes(2)) < 0 || expiry.compareTo(Duration.ofHours(48)) > 0) {
                throw new IllegalArgumentException("protection expiry must be 2 min to 48 h (ECS accepts 1 to 2880"
                        + " minutes, and protection is renewed at half the expiry), was " + expiry);
            }
            if (idleGrace.isNegative()) {
                throw new IllegalArgumentException("idle grace must not be negative, was " + idleGrace);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("retry attempts must be at least 1, was " + maxAttempts);
            }
            if (initialBackoff.toMillis() < 1 || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("retry backoff must be at least 1 ms and the longest at least the"
                        + " first, was " + initialBackoff + " .. " + maxBackoff);
            }
            if (cooldown.toMillis() < 1) {
                throw new IllegalArgumentException("cooldown must be positive, was " + cooldown);
            }
            return new ProtectionPolicy(this, false);
        }
    }
}
