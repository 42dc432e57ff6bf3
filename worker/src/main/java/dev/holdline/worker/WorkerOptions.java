package dev.holdline.worker;

import dev.holdline.lifecycle.profile.ProfileConfig;
import dev.holdline.lifecycle.profile.ProfileResolver;
import dev.holdline.scheduler.LoadFunction;
import dev.holdline.worker.admin.AdminOptions;
import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.host.HostOptions;
import dev.holdline.worker.handler.JobType;
import java.time.Duration;
import java.util.Map;

/**
 * Immutable worker settings, made by {@link Worker.Builder}, where every default is documented
 * once. {@link #toString()} never shows the API secret.
 */
public record WorkerOptions(
        AgentHandler handler,
        Class<? extends AgentHandler> handlerClass,
        HostOptions hosts,
        String url,
        String apiKey,
        String apiSecret,
        String agentName,
        JobType jobType,
        Permissions permissions,
        LoadFunction loadFunction,
        double loadThreshold,
        int maxSessions,
        String healthHost,
        int healthPort,
        int maxReconnectAttempts,
        Duration reconnectBackoffStep,
        Duration reconnectBackoffMax,
        Duration registerTimeout,
        Duration statusInterval,
        Duration assignmentTimeout,
        Duration requestTimeout,
        Duration terminationGrace,
        Duration silenceTimeout,
        String version,
        ProfileConfig profiles,
        ProfileResolver profileResolver,
        Map<String, String> env,
        double protectionLoadThreshold,
        AdminOptions admin) {

    /** The room permissions the agent asks for when it registers. */
    public record Permissions(boolean canPublish, boolean canSubscribe, boolean canPublishData,
                              boolean canUpdateMetadata, boolean hidden) {
        /** Publish, subscribe and data; not hidden. */
        public static final Permissions DEFAULT = new Permissions(true, true, true, true, false);
    }

    @Override
    public String toString() {
        return "WorkerOptions[url=" + url + ", apiKey=" + apiKey + ", apiSecret=<redacted>, agentName='" + agentName
                + "', jobType=" + jobType + ", loadThreshold=" + loadThreshold + ", maxSessions=" + maxSessions
                + ", hosts=" + hosts + ", healthPort=" + healthPort + ", maxReconnectAttempts=" + maxReconnectAttempts + ", profiles=" + profiles.describe() + ", admin=" + admin + "]";
    }
}
