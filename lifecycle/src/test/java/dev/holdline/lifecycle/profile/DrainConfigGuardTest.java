package dev.holdline.lifecycle.profile;

import static dev.holdline.lifecycle.profile.ProfileConfigLoadTest.example;
import static dev.holdline.lifecycle.profile.ProfileConfigLoadTest.profile;
import static dev.holdline.lifecycle.profile.ProfileConfigLoadTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.holdline.lifecycle.ecs.EcsTaskMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrainConfigGuardTest {
    private static final Optional<EcsTaskMetadata> NOT_ON_ECS = Optional.empty();
    private static final Optional<EcsTaskMetadata> ON_FARGATE = Optional.of(task("FARGATE"));
    private static final Optional<EcsTaskMetadata> ON_EC2 = Optional.of(task("EC2"));

    private static EcsTaskMetadata task(String launchType) {
        return new EcsTaskMetadata("holdline", "arn:aws:ecs:eu-west-1:111122223333:task/holdline/0f9a", "holdline-worker", "7",
                launchType, "eu-west-1a", "holdline-worker");
    }

    /** The example file (support 900s/60s, scheduling 300s/30s, default 120s/20s, margin 15s) with {@code env}. */
    private static ProfileConfig exampleWith(Map<String, String> env) {
        return ProfileConfig.load(example(), env);
    }

    private static String refusal(ProfileConfig config, Optional<EcsTaskMetadata> ecs) {
        return assertThrows(UnsafeDrainConfigException.class, () -> DrainConfigGuard.check(config, ecs)).getMessage();
    }

    @Test
    void refusesAProfileThatOutlastsTheStopTimeout() {
        assertEquals("Unsafe drain configuration: profile 'support' drain_timeout 900s + safety margin 15s = 915s exceeds"
                        + " HOLDLINE_STOP_TIMEOUT 600s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                        + " and HOLDLINE_STOP_TIMEOUT to at least 915s, or lower 'support' drain_timeout to at most 585s.",
                refusal(exampleWith(Map.of("HOLDLINE_STOP_TIMEOUT", "600")), NOT_ON_ECS));
    }

    @Test
    void refusesEveryProfileThatOutlastsTheStopTimeoutOneLineEach() {
        UnsafeDrainConfigException e = assertThrows(UnsafeDrainConfigException.class,
                () -> DrainConfigGuard.check(exampleWith(Map.of("HOLDLINE_STOP_TIMEOUT", "5m")), NOT_ON_ECS));

        List<String> expected = List.of(
                "Unsafe drain configuration: profile 'support' drain_timeout 900s + safety margin 15s = 915s exceeds"
                        + " HOLDLINE_STOP_TIMEOUT 300s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                        + " and HOLDLINE_STOP_TIMEOUT to at least 915s, or lower 'support' drain_timeout to at most 285s.",
                "Unsafe drain configuration: profile 'scheduling' drain_timeout 300s + safety margin 15s = 315s exceeds"
                        + " HOLDLINE_STOP_TIMEOUT 300s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                        + " and HOLDLINE_STOP_TIMEOUT to at least 315s, or lower 'scheduling' drain_timeout to at most 285s.");
        assertEquals(expected, e.problems());
        assertEquals(String.join("\n", expected), e.getMessage());
    }

    @Test
    void namesTheFileSettingWhenTheFileGaveTheStopTimeout(@TempDir Path dir) throws IOException {
        ProfileConfig config = ProfileConfig.load(write(dir, """
                stop_timeout: 100s
                profiles:
                  default: { drain_timeout: 95s, wrap_up_notice: 20s }
                """), Map.of());

        assertEquals("Unsafe drain configuration: profile 'default' drain_timeout 95s + safety margin 10s = 105s exceeds"
                        + " stop_timeout 100s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                        + " and stop_timeout to at least 105s, or lower 'default' drain_timeout to at most 90s.",
                refusal(config, NOT_ON_ECS));
    }

    @Test
    void namesTheConfiguredStopTimeoutWhenCodeGaveIt() {
        ProfileConfig config = ProfileConfig.builder().profile(profile("default", 95, 20)).stopTimeout(Duration.ofSeconds(100)).build();

        assertEquals("Unsafe drain configuration: profile 'default' drain_timeout 95s + safety margin 10s = 105s exceeds"
                        + " the configured stop timeout 100s, so ECS would SIGKILL calls still draining. Fix: set the container's"
                        + " stopTimeout and the configured stop timeout to at least 105s, or lower 'default' drain_timeout to at most 90s.",
                refusal(config, NOT_ON_ECS));
    }

    @Test
    void saysWhenTheWrapUpNoticeMustComeDownToo() {
        ProfileConfig config = ProfileConfig.fromEnv(Map.of("HOLDLINE_STOP_TIMEOUT", "40s"));

        assertEquals("Unsafe drain configuration: profile 'default' drain_timeout 300s + safety margin 10s = 310s exceeds"
                        + " HOLDLINE_STOP_TIMEOUT 40s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                        + " and HOLDLINE_STOP_TIMEOUT to at least 310s, or lower 'default' drain_timeout to at most 30s and its"
                        + " wrap_up_notice (30s) below that.",
                refusal(config, NOT_ON_ECS));
    }

    @Test
    void refusesASafetyMarginNotShorterThanTheStopTimeout() {
        assertEquals("Unsafe drain configuration: safety margin 15s is not shorter than HOLDLINE_STOP_TIMEOUT 15s, so ECS would"
                        + " SIGKILL calls still draining. Fix: set the container's stopTimeout and HOLDLINE_STOP_TIMEOUT to at least 915s,"
                        + " or lower the safety margin below 15s.",
                refusal(exampleWith(Map.of("HOLDLINE_STOP_TIMEOUT", "15s")), NOT_ON_ECS));
        assertEquals("Unsafe drain configuration: safety margin 20s is not shorter than HOLDLINE_STOP_TIMEOUT 15s, so ECS would"
                        + " SIGKILL calls still draining. Fix: set the container's stopTimeout and HOLDLINE_STOP_TIMEOUT to at least 920s,"
                        + " or lower the safety margin below 15s.",
                refusal(exampleWith(Map.of("HOLDLINE_STOP_TIMEOUT", "15s", "HOLDLINE_DRAIN_SAFETY_MARGIN", "20s")), NOT_ON_ECS));
    }

    @Test
    void refusesAProfileThatOutlastsFargatesCap() {
        ProfileConfig config = ProfileConfig.builder().profile(profile("support", 900, 60)).defaultProfile("support")
                .safetyMargin(Duration.ofSeconds(15)).build();

        assertEquals("Unsafe drain configuration: profile 'support' drain_timeout 900s + safety margin 15s = 915s exceeds"
                        + " Fargate's 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining."
                        + " Fix: run on ECS with the EC2 launch type, or lower 'support' drain_timeout to at most 105s.",
                refusal(config, ON_FARGATE));
    }

    @Test
    void refusesEveryProfileThatOutlastsFargatesCapEvenWithinTheStopTimeout() {
        UnsafeDrainConfigException e = assertThrows(UnsafeDrainConfigException.class,
                () -> DrainConfigGuard.check(exampleWith(Map.of()), ON_FARGATE));

        assertEquals(List.of(
                "Unsafe drain configuration: profile 'support' drain_timeout 900s + safety margin 15s = 915s exceeds Fargate's 120s"
                        + " stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining. Fix: run on ECS with"
                        + " the EC2 launch type, or lower 'support' drain_timeout to at most 105s.",
                "Unsafe drain configuration: profile 'scheduling' drain_timeout 300s + safety margin 15s = 315s exceeds Fargate's"
                        + " 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining. Fix: run on ECS"
                        + " with the EC2 launch type, or lower 'scheduling' drain_timeout to at most 105s.",
                "Unsafe drain configuration: profile 'default' drain_timeout 120s + safety margin 15s = 135s exceeds Fargate's 120s"
                        + " stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining. Fix: run on ECS with"
                        + " the EC2 launch type, or lower 'default' drain_timeout to at most 105s."),
                e.problems());
    }

    @Test
    void refusesTheBuiltInProfileOnFargate() {
        assertEquals("Unsafe drain configuration: profile 'default' drain_timeout 300s + safety margin 10s = 310s exceeds"
                        + " Fargate's 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining."
                        + " Fix: run on ECS with the EC2 launch type, or lower 'default' drain_timeout to at most 110s.",
                refusal(ProfileConfig.fromEnv(Map.of()), ON_FARGATE));
    }

    @Test
    void refusesASafetyMarginNotShorterThanFargatesCap() {
        ProfileConfig config = ProfileConfig.fromEnv(Map.of("HOLDLINE_DRAIN_SAFETY_MARGIN", "2m",
                "HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT", "60s"));

        assertEquals("Unsafe drain configuration: safety margin 120s is not shorter than Fargate's 120s stopTimeout cap (this task"
                        + " runs on FARGATE), so ECS would SIGKILL calls still draining. Fix: run on ECS with the EC2 launch type, or"
                        + " lower the safety margin below 120s.",
                refusal(config, ON_FARGATE));
    }

    @Test
    void listsStopTimeoutProblemsBeforeFargateOnes() {
        ProfileConfig config = ProfileConfig.fromEnv(Map.of("HOLDLINE_STOP_TIMEOUT", "200s"));

        assertEquals(List.of(
                "Unsafe drain configuration: profile 'default' drain_timeout 300s + safety margin 10s = 310s exceeds"
                        + " HOLDLINE_STOP_TIMEOUT 200s, so ECS would SIGKILL calls still draining. Fix: set the container's stopTimeout"
                        + " and HOLDLINE_STOP_TIMEOUT to at least 310s, or lower 'default' drain_timeout to at most 190s.",
                "Unsafe drain configuration: profile 'default' drain_timeout 300s + safety margin 10s = 310s exceeds"
                        + " Fargate's 120s stopTimeout cap (this task runs on FARGATE), so ECS would SIGKILL calls still draining."
                        + " Fix: run on ECS with the EC2 launch type, or lower 'default' drain_timeout to at most 110s."),
                assertThrows(UnsafeDrainConfigException.class, () -> DrainConfigGuard.check(config, ON_FARGATE)).problems());
    }

    @Test
    void acceptsProfilesThatFitTheStopTimeoutExactly() {
        DrainConfigGuard.check(exampleWith(Map.of("HOLDLINE_STOP_TIMEOUT", "915")), ON_EC2);
        DrainConfigGuard.check(exampleWith(Map.of("HOLDLINE_STOP_TIMEOUT", "915")), NOT_ON_ECS);
    }

    @Test
    void acceptsProfilesThatFitFargatesCapExactly() {
        DrainConfigGuard.check(ProfileConfig.fromEnv(Map.of("HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT", "110s",
                "HOLDLINE_STOP_TIMEOUT", "120")), ON_FARGATE);
    }

    @Test
    void acceptsAnythingWhenNoStopTimeoutIsKnownAndNotOnFargate() {
        ProfileConfig config = ProfileConfig.builder().profile(profile("default", 7200, 60)).safetyMargin(Duration.ofHours(3)).build();

        DrainConfigGuard.check(config, NOT_ON_ECS);
        DrainConfigGuard.check(config, ON_EC2);
        DrainConfigGuard.check(ProfileConfig.fromEnv(Map.of()), Optional.of(task("EXTERNAL")));
    }

    @Test
    void recognisesFargateWhateverTheCase() {
        assertThrows(UnsafeDrainConfigException.class, () -> DrainConfigGuard.check(ProfileConfig.fromEnv(Map.of()),
                Optional.of(task("fargate"))));
    }
}
