package dev.holdline.worker.platform;

import dev.holdline.lifecycle.aws.AwsClients;
import dev.holdline.lifecycle.aws.AwsFacts;
import dev.holdline.lifecycle.aws.DeploymentWatcher;
import dev.holdline.lifecycle.aws.HookCompletion;
import dev.holdline.lifecycle.aws.Imds;
import dev.holdline.lifecycle.aws.InstanceTerminationWatcher;
import dev.holdline.lifecycle.aws.LifecycleHook;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.protection.AsgInstanceProtection;
import dev.holdline.lifecycle.protection.EcsTaskProtection;
import dev.holdline.lifecycle.protection.ProtectionException;
import dev.holdline.lifecycle.protection.ProtectionPolicy;
import dev.holdline.lifecycle.protection.ProtectionStatus;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * What the worker does on AWS, assembled from the environment at start-up: scale-in protection
 * while busy (ECS task protection; ASG instance protection when asked for), a drain that starts
 * by itself when the service's PRIMARY deployment runs another task definition or when the
 * instance is being terminated, and the lifecycle hook. Off, with one log line each, where it
 * does not apply. Nothing here can end a call: every failure is logged and shown on
 * {@code /worker}.
 *
 * <p>Settings (environment): {@code HOLDLINE_ASG_PROTECTION=true} (also protect the EC2 instance
 * through its Auto Scaling group), {@code HOLDLINE_LIFECYCLE_HOOK=<name>} and
 * {@code HOLDLINE_LIFECYCLE_HOOK_COMPLETION=complete-when-idle|expire-after-last-heartbeat},
 * {@code HOLDLINE_DEPLOYMENT_POLL} (30s), {@code HOLDLINE_TERMINATION_POLL} (5s),
 * {@code HOLDLINE_PROTECTION_IDLE_GRACE} (30s); endpoint overrides for tests and private
 * endpoints: {@code HOLDLINE_ECS_ENDPOINT}, {@code HOLDLINE_AUTOSCALING_ENDPOINT},
 * {@code HOLDLINE_IMDS_ENDPOINT}.
 */
public final class AwsIntegration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AwsIntegration.class);
    /** How long the exit waits for protection to be cleared; below any sane stop-timeout margin. */
    static final Duration CLEAR_AT_EXIT_TIMEOUT = Duration.ofSeconds(5);

    private final AwsFacts facts;
    private final ProtectionPolicy taskProtection;
    private final Optional<ProtectionPolicy> instanceProtection;
    private final Optional<DeploymentWatcher> deployments;
    private final Optional<InstanceTerminationWatcher> termination;
    private final List<AutoCloseable> owned;

    private AwsIntegration(AwsFacts facts, ProtectionPolicy taskProtection, Optional<ProtectionPolicy> instanceProtection,
                           Optional<DeploymentWatcher> deployments, Optional<InstanceTerminationWatcher> termination,
                           List<AutoCloseable> owned) {
        this.facts = facts;
        this.taskProtection = taskProtection;
        this.instanceProtection = instanceProtection;
        this.deployments = deployments;
        this.termination = termination;
        this.owned = owned;
    }

    /** Nothing on AWS (tests, local runs that skip detection). */
    public static AwsIntegration off(String reason) {
        return new AwsIntegration(AwsFacts.off(reason), ProtectionPolicy.none(reason), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of());
    }

    /**
     * Starts what applies here.
     *
     * @param drain starts the worker's drain with a reason (idempotent)
     */
    public static AwsIntegration start(Map<String, String> env, AwsFacts facts, Consumer<String> drain) {
        List<AutoCloseable> owned = new ArrayList<>();
        Duration idleGrace = duration(env, "HOLDLINE_PROTECTION_IDLE_GRACE", ProtectionPolicy.DEFAULT_IDLE_GRACE);
        Optional<HookCompletion> completion = hookCompletion(env);
        ProtectionPolicy task = !facts.serviceTask()
                ? ProtectionPolicy.none(facts.onEcs() ? "this task is not part of an ECS service" : "not on ECS")
                : EcsTaskProtection.fromEnvironment(env, EcsTaskProtection.DEFAULT_TIMEOUT)
                        .map(backend -> ProtectionPolicy.builder(backend).idleGrace(idleGrace).build())
                        .orElseGet(() -> {
                            String why = EcsTaskProtection.AGENT_URI_ENV + " is not set (ECS agent 1.65.0+ sets it)";
                            log.warn("On ECS but task scale-in protection is off: {}", why);
                            return ProtectionPolicy.none(why);
                        });
        if (!facts.onEcs() || facts.region().isEmpty()) {
            return new AwsIntegration(facts, task, Optional.empty(), Optional.empty(), Optional.empty(), owned);
        }
        AwsCredentialsProvider credentials = credentials(env);
        Optional<DeploymentWatcher> deployments = Optional.empty();
        if (facts.serviceTask()) {
            EcsClient ecs = AwsClients.ecs(facts.region().get(), credentials, endpoint(env, "HOLDLINE_ECS_ENDPOINT"),
                    AwsClients.DEFAULT_ATTEMPT_TIMEOUT);
            owned.add(ecs);
            deployments = Optional.of(DeploymentWatcher.builder(ecs, facts.task().get(), drain)
                    .pollInterval(duration(env, "HOLDLINE_DEPLOYMENT_POLL", DeploymentWatcher.DEFAULT_POLL_INTERVAL))
                    .start());
        }
        Optional<InstanceTerminationWatcher> termination = Optional.empty();
        Optional<ProtectionPolicy> instance = Optional.empty();
        if (facts.onEc2Instance()) {
            Imds imds = new Imds(endpoint(env, "HOLDLINE_IMDS_ENDPOINT").orElse(Imds.DEFAULT_ENDPOINT), Duration.ofSeconds(2));
            owned.add(imds);
            AutoScalingClient autoScaling = AwsClients.autoScaling(facts.region().get(), credentials,
                    endpoint(env, "HOLDLINE_AUTOSCALING_ENDPOINT"), AwsClients.DEFAULT_ATTEMPT_TIMEOUT);
            owned.add(autoScaling);
            var watcher = InstanceTerminationWatcher.builder(imds, drain)
                    .pollInterval(duration(env, "HOLDLINE_TERMINATION_POLL", InstanceTerminationWatcher.DEFAULT_POLL_INTERVAL));
            String hook = env.getOrDefault("HOLDLINE_LIFECYCLE_HOOK", "").strip();
            if (!hook.isEmpty()) {
                try {
                    watcher.lifecycleHook(LifecycleHook.discover(hook, imds, autoScaling), autoScaling, completion.orElseThrow());
                } catch (Exception e) {
                    log.error("Lifecycle hook '{}' is configured but cannot be used: {}; the instance termination watcher"
                            + " still drains on termination", hook, e.getMessage());
                }
            }
            termination = Optional.of(watcher.start());
            if (Boolean.parseBoolean(env.getOrDefault("HOLDLINE_ASG_PROTECTION", "false").strip())) {
                AutoScalingClient client = AwsClients.autoScaling(facts.region().get(), credentials,
                        endpoint(env, "HOLDLINE_AUTOSCALING_ENDPOINT"), AwsClients.DEFAULT_ATTEMPT_TIMEOUT);
                try {
                    // On success the backend owns the client and the policy closes it.
                    instance = Optional.of(ProtectionPolicy.builder(AsgInstanceProtection.resolve(imds, client))
                            .idleGrace(idleGrace).build());
                } catch (ProtectionException e) {
                    client.close();
                    log.error("ASG instance protection is on (HOLDLINE_ASG_PROTECTION) but cannot be used: {}", e.getMessage());
                }
            } else {
                log.info("ASG instance protection is off (HOLDLINE_ASG_PROTECTION unset); a capacity provider's managed"
                        + " termination protection keeps instances with tasks");
            }
        }
        return new AwsIntegration(facts, task, instance, deployments, termination, owned);
    }

    /** The worker turned busy (a session, or load over the protection threshold) or idle. Never blocks. */
    public void busy(boolean busy) {
        taskProtection.busy(busy);
        instanceProtection.ifPresent(p -> p.busy(busy));
    }

    /** The drain's last session ended: the lifecycle hook may be completed. */
    public void idleAfterDrain() {
        termination.ifPresent(InstanceTerminationWatcher::workerIdle);
    }

    /** The task protection policy's state (metrics, admin API). */
    public ProtectionStatus taskProtectionStatus() {
        return taskProtection.status();
    }

    /** The instance protection policy's state, when it is on. */
    public Optional<ProtectionStatus> instanceProtectionStatus() {
        return instanceProtection.map(ProtectionPolicy::status);
    }

    /** What {@code /worker} shows. */
    public Map<String, Object> status() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("facts", facts.summary());
        doc.put("task_protection", protection(taskProtection.status()));
        instanceProtection.ifPresent(p -> doc.put("instance_protection", protection(p.status())));
        deployments.ifPresent(d -> {
            var s = d.status();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("watching", s.watching());
            m.put("out_of_date", s.outOfDate());
            m.put("primary_task_definition", s.primaryTaskDefinition().orElse(null));
            m.put("last_poll_at", s.lastPollAt().map(Object::toString).orElse(null));
            m.put("last_error", s.lastError().orElse(null));
            doc.put("deployment_watcher", m);
        });
        termination.ifPresent(t -> {
            var s = t.status();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("watching", s.watching());
            m.put("lifecycle_state", s.lifecycleState().orElse(null));
            m.put("terminating", s.terminating());
            m.put("heartbeats", s.heartbeats());
            m.put("hook_completed", s.hookCompleted());
            m.put("last_error", s.lastError().orElse(null));
            doc.put("termination_watcher", m);
        });
        return doc;
    }

    private static Map<String, Object> protection(ProtectionStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", s.backend());
        m.put("wanted", s.wanted());
        m.put("enabled", s.enabled());
        m.put("expires_at", s.expiresAt().map(Object::toString).orElse(null));
        m.put("last_error", s.lastError().orElse(null));
        m.put("consecutive_failures", s.consecutiveFailures());
        m.put("circuit", s.circuit());
        return m;
    }

    /** Clears protection (bounded) and stops every watcher; called once, just before exit. */
    @Override
    public void close() {
        deployments.ifPresent(DeploymentWatcher::close);
        termination.ifPresent(t -> {
            // idleAfterDrain() sends the hook completion on the watcher's thread: let it land first.
            try {
                t.awaitHookSettled(CLEAR_AT_EXIT_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            t.close();
        });
        if (!taskProtection.clearBeforeExit(CLEAR_AT_EXIT_TIMEOUT)) {
            log.warn("Could not confirm task protection cleared before exit: {}", taskProtection.status().lastError().orElse("?"));
        }
        taskProtection.close();
        instanceProtection.ifPresent(p -> {
            if (!p.clearBeforeExit(CLEAR_AT_EXIT_TIMEOUT)) {
                log.warn("Could not confirm instance protection cleared before exit");
            }
            p.close();
        });
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("closing {}", c, e);
            }
        }
    }

    /**
     * Keys in the worker's environment first (that map is the process environment in production,
     * and lets tests hand in fakes), then the ECS task role; the SDK's full default chain only
     * where neither is present. On ECS the task role is what the IAM notes in the README assume.
     */
    static AwsCredentialsProvider credentials(Map<String, String> env) {
        String key = env.getOrDefault("AWS_ACCESS_KEY_ID", "").strip();
        String secret = env.getOrDefault("AWS_SECRET_ACCESS_KEY", "").strip();
        if (!key.isEmpty() && !secret.isEmpty()) {
            String session = env.getOrDefault("AWS_SESSION_TOKEN", "").strip();
            return StaticCredentialsProvider.create(session.isEmpty() ? AwsBasicCredentials.create(key, secret)
                    : AwsSessionCredentials.create(key, secret, session));
        }
        if (env.containsKey("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || env.containsKey("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
            return ContainerCredentialsProvider.builder().build();
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private static Optional<URI> endpoint(Map<String, String> env, String name) {
        String v = env.getOrDefault(name, "").strip();
        return v.isEmpty() ? Optional.empty() : Optional.of(URI.create(v));
    }

    private static Duration duration(Map<String, String> env, String name, Duration fallback) {
        String v = env.getOrDefault(name, "").strip();
        return v.isEmpty() ? fallback : Durations.parse(v, name);
    }

    /** Required with a hook: which rule is safe depends on tasks per instance, which only the operator knows. */
    private static Optional<HookCompletion> hookCompletion(Map<String, String> env) {
        if (env.getOrDefault("HOLDLINE_LIFECYCLE_HOOK", "").isBlank()) {
            return Optional.empty();
        }
        String v = env.getOrDefault("HOLDLINE_LIFECYCLE_HOOK_COMPLETION", "").strip().toLowerCase(Locale.ROOT);
        return Optional.of(switch (v) {
            case "complete-when-idle" -> HookCompletion.COMPLETE_WHEN_IDLE;
            case "expire-after-last-heartbeat" -> HookCompletion.EXPIRE_AFTER_LAST_HEARTBEAT;
            default -> throw new IllegalArgumentException("HOLDLINE_LIFECYCLE_HOOK is set, so HOLDLINE_LIFECYCLE_HOOK_COMPLETION"
                    + " must be complete-when-idle (one worker task per instance) or expire-after-last-heartbeat"
                    + " (several worker tasks per instance); it was '" + v + "'");
        });
    }
}
