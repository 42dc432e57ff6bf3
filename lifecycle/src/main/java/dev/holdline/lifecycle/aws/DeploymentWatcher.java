package dev.holdline.lifecycle.aws;

import dev.holdline.lifecycle.DrainTimer;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import io.github.resilience4j.retry.Retry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DescribeServicesResponse;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.Service;

/**
 * Notices that a rolling deploy has made this task out of date, and starts its drain.
 *
 * <p>Why: a task with scale-in protection gets <em>no SIGTERM</em> during a rolling deploy — ECS
 * starts the new tasks and leaves the protected old ones alone (DESIGN.md §5). So the task asks
 * ECS itself: it polls {@code DescribeServices} for its service and compares the PRIMARY
 * deployment's task definition ({@code family:revision}, the tail of its ARN) with its own (from
 * the task metadata endpoint). When they differ it calls {@code onOutOfDate} once, with a reason
 * such as {@code deployment ecs-svc/123 runs holdline:8, this task runs holdline:7}, and stops
 * polling; the drain then finishes the calls and drops protection, and ECS replaces the task.
 *
 * <p>A poll that fails (throttling, HTTP 5xx, a timeout, access denied, a missing service) is
 * retried with jitter ({@link RetryPolicy}), logged at WARN when it still fails, shown in
 * {@link #status()}, and never starts a drain; polling goes on. A task outside a service (empty
 * {@code ServiceName}) has no deployments: the watcher is off and says so in one INFO line.
 *
 * <p>Polls run on a daemon thread of the watcher's own (or a {@link DrainTimer} the caller passes,
 * as tests do); {@code onOutOfDate} is called there and should return quickly. {@link #close()}
 * stops polling; it does not close the {@link EcsClient}.
 */
public final class DeploymentWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeploymentWatcher.class);

    /**
     * Time between polls, 30 s. {@code DescribeServices} is rate-limited per account and Region,
     * a budget shared by every task of every service and by the deploy tooling itself, while a
     * rolling deploy takes minutes; a drain that starts up to 30 s late costs nothing, a throttled
     * deploy pipeline does.
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);

    /** The IAM action the task role needs: {@code ecs:DescribeServices} (on the service's ARN). */
    public static Set<String> requiredIamActions() {
        return Set.of("ecs:DescribeServices");
    }

    /**
     * What the watcher knows, for logs and the admin API.
     *
     * @param watching              polls are scheduled (false when off, closed, or after it fired)
     * @param offReason             why it is not watching, when it never started
     * @param lastPollAt            when the last poll ended, successful or not
     * @param lastError             what the last poll failed with; empty after a successful poll
     * @param failedPolls           polls that failed after their retries, since start
     * @param outOfDate             the PRIMARY deployment runs another task definition; the drain was started
     * @param primaryTaskDefinition the PRIMARY deployment's {@code family:revision} at the last successful poll
     */
    public record Status(boolean watching, Optional<String> offReason, Optional<Instant> lastPollAt,
                         Optional<String> lastError, long failedPolls, boolean outOfDate,
                         Optional<String> primaryTaskDefinition) {
    }

    /**
     * Starts building a watcher.
     *
     * @param ecs         an ECS client, e.g. from {@link AwsClients#ecs}; the watcher does not close it
     * @param task        this task's metadata (cluster, family, revision, service name)
     * @param onOutOfDate the drain trigger, called at most once with the reason
     */
    public static Builder builder(EcsClient ecs, EcsTaskMetadata task, Consumer<String> onOutOfDate) {
        return new Builder(ecs, task, onOutOfDate);
    }

    /** Options; {@link #start()} checks them and starts polling. */
    public static final class Builder {
        private final EcsClient ecs;
        private final EcsTaskMetadata task;
        private final Consumer<String> onOutOfDate;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration firstPollDelay;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private DrainTimer timer;
        private Clock clock = Clock.systemUTC();

        private Builder(EcsClient ecs, EcsTaskMetadata task, Consumer<String> onOutOfDate) {
            this.ecs = Objects.requireNonNull(ecs, "ecs");
            this.task = Objects.requireNonNull(task, "task");
            this.onOutOfDate = Objects.requireNonNull(onOutOfDate, "onOutOfDate");
        }

        /** Time between polls; default {@link #DEFAULT_POLL_INTERVAL}. */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Delay of the first poll. Default: a random time within one poll interval, so the tasks a
         * deploy starts together do not poll together.
         */
        public Builder firstPollDelay(Duration delay) {
            this.firstPollDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** Retries of a failed poll; default {@link RetryPolicy#DEFAULT}. */
        public Builder retry(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Runs polls on this timer (which the caller stops) instead of a thread of the watcher's own. */
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
         * Starts watching, or returns a watcher that is off (and logs one INFO line) when the task
         * is not part of a service.
         *
         * @throws IllegalArgumentException when the poll interval is not positive, the first delay is
         *         negative, or the task metadata lacks the cluster, family or revision
         */
        public DeploymentWatcher start() {
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
            }
            if (firstPollDelay != null && firstPollDelay.isNegative()) {
                throw new IllegalArgumentException("firstPollDelay must not be negative, was " + firstPollDelay);
            }
            if (task.serviceName().isBlank()) {
                String reason = "this task is not part of an ECS service (ServiceName is empty in its metadata)";
                log.info("Deployment watcher off: {}; it has no deployments to fall behind", reason);
                return new DeploymentWatcher(this, null, reason);
            }
            if (task.cluster().isBlank() || task.family().isBlank() || task.revision().isBlank()) {
                throw new IllegalArgumentException("The task metadata lacks Cluster, Family or Revision: " + task);
            }
            TaskScheduler scheduler = timer != null ? TaskScheduler.on(timer)
                    : TaskScheduler.ownThread("holdline-deployment-watcher");
            DeploymentWatcher watcher = new DeploymentWatcher(this, scheduler, null);
            Duration first = firstPollDelay != null ? firstPollDelay
                    : Duration.ofMillis(ThreadLocalRandom.current().nextLong(Math.max(1, pollInterval.toMillis())));
            log.info("Deployment watcher on: polls DescribeServices for service {} in cluster {} every {};"
                            + " this task runs {}", task.serviceName(), task.cluster(), Durations.format(pollInterval),
                    watcher.ownTaskDefinition);
            scheduler.schedule(first, watcher::poll);
            return watcher;
        }
    }

    private final EcsClient ecs;
    private final EcsTaskMetadata task;
    private final Consumer<String> onOutOfDate;
    private final Duration pollInterval;
    private final Retry retry;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final String ownTaskDefinition;
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile Status status;

    private DeploymentWatcher(Builder b, TaskScheduler scheduler, String offReason) {
        this.ecs = b.ecs;
        this.task = b.task;
        this.onOutOfDate = b.onOutOfDate;
        this.pollInterval = b.pollInterval;
        this.retry = b.retry.toRetry("ecs-describe-services");
        this.clock = b.clock;
        this.scheduler = scheduler;
        this.ownTaskDefinition = task.family() + ":" + task.revision();
        this.status = new Status(scheduler != null, Optional.ofNullable(offReason), Optional.empty(), Optional.empty(),
                0, false, Optional.empty());
    }

    /** A snapshot of what the watcher knows. */
    public Status status() {
        Status s = status;
        if (s.watching() && scheduler.closed()) {
            return new Status(false, s.offReason(), s.lastPollAt(), s.lastError(), s.failedPolls(), s.outOfDate(),
                    s.primaryTaskDefinition());
        }
        return s;
    }

    /** Stops polling (a poll in flight ends without effect). Idempotent. */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private void poll() {
        RetryingCall.run(scheduler, retry, "DescribeServices", this::describe, this::polled, this::pollFailed);
    }

    private DescribeServicesResponse describe() {
        return ecs.describeServices(r -> r.cluster(task.cluster()).services(task.serviceName()));
    }

    private void polled(DescribeServicesResponse response) {
        if (scheduler.closed()) {
            return;
        }
        Instant now = clock.instant();
        Optional<String> problem = Optional.empty();
        Deployment primary = null;
        if (response.hasFailures() && !response.failures().isEmpty()) {
            problem = Optional.of("service " + task.serviceName() + " not found in cluster " + task.cluster() + ": "
                    + response.failures().stream().map(f -> f.reason() + (f.arn() == null ? "" : " (" + f.arn() + ")"))
                    .collect(Collectors.joining(", ")));
        } else if (!response.hasServices() || response.services().isEmpty()) {
            problem = Optional.of("DescribeServices returned no service " + task.serviceName());
        } else {
            Service service = response.services().get(0);
            primary = service.deployments().stream().filter(d -> "PRIMARY".equals(d.status())).findFirst().orElse(null);
            if (primary == null || primary.taskDefinition() == null) {
                problem = Optional.of("service " + task.serviceName() + " has no PRIMARY deployment"
                        + (service.deploymentController() == null ? ""
                        : " (deployment controller " + service.deploymentController().typeAsString() + ")")
                        + "; cannot tell whether this task is out of date");
            }
        }
        Status s = status;
        if (problem.isPresent()) {
            log.warn("Deployment check failed: {}; this task keeps running and the check is repeated in {}",
                    problem.get(), Durations.format(pollInterval));
            status = new Status(true, Optional.empty(), Optional.of(now), problem, s.failedPolls() + 1, false,
                    s.primaryTaskDefinition());
            scheduler.schedule(pollInterval, this::poll);
            return;
        }
        String primaryTaskDefinition = tail(primary.taskDefinition());
        if (primaryTaskDefinition.equals(ownTaskDefinition)) {
            if (s.lastError().isPresent()) {
                log.info("Deployment check works again: service {} runs {}, as this task does",
                        task.serviceName(), primaryTaskDefinition);
            } else {
                log.debug("Deployment check: the PRIMARY deployment {} runs {}, as this task does",
                        primary.id(), primaryTaskDefinition);
            }
            status = new Status(true, Optional.empty(), Optional.of(now), Optional.empty(), s.failedPolls(), false,
                    Optional.of(primaryTaskDefinition));
            scheduler.schedule(pollInterval, this::poll);
            return;
        }
        String reason = "deployment " + primary.id() + " runs " + primaryTaskDefinition + ", this task runs "
                + ownTaskDefinition;
        status = new Status(false, Optional.empty(), Optional.of(now), Optional.empty(), s.failedPolls(), true,
                Optional.of(primaryTaskDefinition));
        if (fired.compareAndSet(false, true)) {
            log.info("This task is out of date ({}): draining", reason);
            try {
                onOutOfDate.accept(reason);
            } catch (RuntimeException e) {
                log.error("The out-of-date drain trigger failed", e);
            }
        }
    }

    private void pollFailed(Exception e, int attempts) {
        if (scheduler.closed()) {
            return;
        }
        String error = AwsErrors.describe(e);
        if (AwsErrors.accessDenied(e)) {
            error += " — the task role needs " + String.join(", ", requiredIamActions());
        }
        log.warn("Deployment check failed after {} {}: {}; no drain, the check is repeated in {}",
                attempts, attempts == 1 ? "try" : "tries", error, Durations.format(pollInterval));
        Status s = status;
        status = new Status(true, Optional.empty(), Optional.of(clock.instant()), Optional.of(error), s.failedPolls() + 1,
                false, s.primaryTaskDefinition());
        scheduler.schedule(pollInterval, this::poll);
    }

    /** {@code family:revision} from {@code arn:aws:ecs:region:account:task-definition/family:revision}. */
    static String tail(String taskDefinitionArn) {
        int slash = taskDefinitionArn.lastIndexOf('/');
        return slash < 0 ? taskDefinitionArn : taskDefinitionArn.substring(slash + 1);
    }
}
