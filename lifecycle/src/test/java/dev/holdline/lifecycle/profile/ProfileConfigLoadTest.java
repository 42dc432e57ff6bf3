package dev.holdline.lifecycle.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileConfigLoadTest {
    static Path example() {
        try {
            return Path.of(ProfileConfigLoadTest.class.getResource("/profiles-example.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static CallProfile profile(String name, long drainSeconds, long wrapUpSeconds) {
        return new CallProfile(name, Duration.ofSeconds(drainSeconds), Duration.ofSeconds(wrapUpSeconds));
    }

    @Nested
    class TheExampleFile {
        @Test
        void loadsEveryProfileInFileOrder() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of());

            assertEquals(List.of(profile("support", 900, 60), profile("scheduling", 300, 30), profile("default", 120, 20)),
                    config.profiles());
            assertEquals("default", config.defaultProfileName());
            assertEquals(profile("default", 120, 20), config.defaultProfile());
            assertEquals(Optional.of(profile("scheduling", 300, 30)), config.profile("scheduling"));
            assertEquals(Optional.empty(), config.profile("sales"));
        }

        @Test
        void loadsTheMatchRules() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of());

            assertEquals(Optional.of(new MatchRule(List.of("support"), Map.of("profile", "support"), Map.of("tier", "premium"))),
                    config.matchRule("support"));
            assertEquals(Optional.of(MatchRule.agentNames("scheduling")), config.matchRule("scheduling"));
            assertEquals(Optional.empty(), config.matchRule("default"));
        }

        @Test
        void loadsTheLimits() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of());

            assertEquals(Optional.of(Duration.ofSeconds(930)), config.stopTimeout());
            assertEquals(Duration.ofSeconds(15), config.safetyMargin());
            assertEquals(Optional.of(Duration.ofSeconds(915)), config.hardDrainLimit());
            assertEquals(Duration.ofSeconds(900), config.longestDrainTimeout());
        }

        @Test
        void describesItselfOnOneLine() {
            assertEquals("support 900s (wrap-up 60s), scheduling 300s (wrap-up 30s), default 120s (wrap-up 20s, default);"
                            + " stop timeout 930s (stop_timeout), safety margin 15s, hard drain limit 915s",
                    ProfileConfig.load(example(), Map.of()).describe());
        }

        @Test
        void passesTheGuardItDocuments() {
            DrainConfigGuard.check(ProfileConfig.load(example(), Map.of()), Optional.empty());
        }
    }

    @Nested
    class EnvironmentOverrides {
        @Test
        void stopTimeoutFromTheEnvironmentWinsOverTheFile() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of("HOLDLINE_STOP_TIMEOUT", "1200"));

            assertEquals(Optional.of(Duration.ofSeconds(1200)), config.stopTimeout());
            assertEquals(Optional.of(Duration.ofSeconds(1185)), config.hardDrainLimit());
            assertTrue(config.describe().endsWith("; stop timeout 1200s (HOLDLINE_STOP_TIMEOUT), safety margin 15s, hard drain limit 1185s"),
                    config.describe());
        }

        @Test
        void safetyMarginFromTheEnvironmentWinsOverTheFile() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of("HOLDLINE_DRAIN_SAFETY_MARGIN", "20s"));

            assertEquals(Duration.ofSeconds(20), config.safetyMargin());
            assertEquals(Optional.of(Duration.ofSeconds(910)), config.hardDrainLimit());
        }

        @Test
        void drainTimeoutOfOneProfileFromTheEnvironment() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of("HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT", "10m"));

            assertEquals(profile("support", 600, 60), config.profile("support").orElseThrow());
            assertEquals(profile("scheduling", 300, 30), config.profile("scheduling").orElseThrow());
        }

        @Test
        void wrapUpNoticeOfOneProfileFromTheEnvironment() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of("HOLDLINE_PROFILE_SCHEDULING_WRAP_UP_NOTICE", "PT45S"));

            assertEquals(profile("scheduling", 300, 45), config.profile("scheduling").orElseThrow());
        }

        @Test
        void profileNamesAreUpperCasedWithEverythingButLettersAndDigitsAsUnderscores(@TempDir Path dir) throws IOException {
            Path file = write(dir, """
                    default_profile: after-hours.vip2
                    profiles:
                      after-hours.vip2:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                    """);
            assertEquals("HOLDLINE_PROFILE_AFTER_HOURS_VIP2_DRAIN_TIMEOUT", ProfileConfig.drainTimeoutVariable("after-hours.vip2"));
            assertEquals("HOLDLINE_PROFILE_AFTER_HOURS_VIP2_WRAP_UP_NOTICE", ProfileConfig.wrapUpNoticeVariable("after-hours.vip2"));

            ProfileConfig config = ProfileConfig.load(file, Map.of(
                    "HOLDLINE_PROFILE_AFTER_HOURS_VIP2_DRAIN_TIMEOUT", "200s",
                    "HOLDLINE_PROFILE_AFTER_HOURS_VIP2_WRAP_UP_NOTICE", "10s"));

            assertEquals(profile("after-hours.vip2", 200, 10), config.defaultProfile());
        }

        @Test
        void unrelatedVariablesAreIgnored() {
            ProfileConfig config = ProfileConfig.load(example(), Map.of(
                    "HOLDLINE_PROFILE_FILE", "/etc/holdline/profiles.yaml", "PATH", "/usr/bin", "HOLDLINE_PROFILES", "x"));

            assertEquals(ProfileConfig.load(example(), Map.of()), config);
        }

        @Test
        void anOverrideForAProfileThatIsNotConfiguredIsAnError() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(example(), Map.of("HOLDLINE_PROFILE_SUPORT_DRAIN_TIMEOUT", "600s")));

            assertEquals("HOLDLINE_PROFILE_SUPORT_DRAIN_TIMEOUT: overrides drain_timeout of a profile named 'SUPORT', but no configured"
                    + " profile has that name (profiles: support, scheduling, default). Fix: use HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT or"
                    + " HOLDLINE_PROFILE_SCHEDULING_DRAIN_TIMEOUT or HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT, or remove the variable",
                    e.getMessage());
        }

        @Test
        void anOverrideMatchingTwoProfilesIsAnError(@TempDir Path dir) throws IOException {
            Path file = write(dir, """
                    profiles:
                      default: { drain_timeout: 60s, wrap_up_notice: 10s }
                      a-b: { drain_timeout: 60s, wrap_up_notice: 10s }
                      a_b: { drain_timeout: 60s, wrap_up_notice: 10s }
                    """);

            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(file, Map.of("HOLDLINE_PROFILE_A_B_WRAP_UP_NOTICE", "5s")));

            assertEquals("HOLDLINE_PROFILE_A_B_WRAP_UP_NOTICE: matches profiles 'a-b' and 'a_b' alike, so it is unclear which to"
                    + " override. Fix: rename one of those profiles so their names differ in letters or digits", e.getMessage());
        }

        @Test
        void aBadDurationNamesTheVariable() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(example(), Map.of("HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT", "fifteen")));

            assertEquals("HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT: profile 'support': drain_timeout 'fifteen' is not a duration"
                    + " (use 900s, 15m or PT15M)", e.getMessage());
        }

        @Test
        void aBadStopTimeoutNamesTheVariable() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(example(), Map.of("HOLDLINE_STOP_TIMEOUT", "")));

            assertEquals("HOLDLINE_STOP_TIMEOUT: stop_timeout '' is not a duration (use 900s, 15m or PT15M)", e.getMessage());
        }

        @Test
        void aZeroStopTimeoutIsAnError() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(example(), Map.of("HOLDLINE_STOP_TIMEOUT", "0")));

            assertEquals("HOLDLINE_STOP_TIMEOUT: stop_timeout 0s must be longer than 0. Fix: set it to the container's stopTimeout,"
                    + " e.g. 930s", e.getMessage());
        }

        @Test
        void aNegativeSafetyMarginIsAnError() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(example(), Map.of("HOLDLINE_DRAIN_SAFETY_MARGIN", "-5s")));

            assertEquals("HOLDLINE_DRAIN_SAFETY_MARGIN: safety_margin '-5s' is negative (use 0s or more)", e.getMessage());
        }

        @Test
        void aDrainTimeoutOverrideBelowTheFilesWrapUpNoticeNamesBothSources() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.load(example(), Map.of("HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT", "45s")));

            assertEquals("HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT: profile 'support': wrap_up_notice 60s (from " + example()
                    + " line 14) is not shorter than drain_timeout 45s. Fix: lower wrap_up_notice below 45s or raise drain_timeout above 60s",
                    e.getMessage());
        }
    }

    @Nested
    class WithoutAFile {
        @Test
        void aSingleBuiltInDefaultProfileOf300And30Seconds() {
            ProfileConfig config = ProfileConfig.fromEnv(Map.of());

            assertEquals(List.of(profile("default", 300, 30)), config.profiles());
            assertEquals("default", config.defaultProfileName());
            assertEquals(Optional.empty(), config.stopTimeout());
            assertEquals(Duration.ofSeconds(10), config.safetyMargin());
            assertEquals(Optional.empty(), config.hardDrainLimit());
            assertEquals("default 300s (wrap-up 30s, default); stop timeout unknown (HOLDLINE_STOP_TIMEOUT not set:"
                    + " no hard drain limit), safety margin 10s", config.describe());
        }

        @Test
        void theEnvironmentOverridesTheBuiltInProfile() {
            ProfileConfig config = ProfileConfig.fromEnv(Map.of(
                    "HOLDLINE_STOP_TIMEOUT", "120",
                    "HOLDLINE_DRAIN_SAFETY_MARGIN", "5s",
                    "HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT", "115s",
                    "HOLDLINE_PROFILE_DEFAULT_WRAP_UP_NOTICE", "15s"));

            assertEquals(List.of(profile("default", 115, 15)), config.profiles());
            assertEquals(Optional.of(Duration.ofSeconds(115)), config.hardDrainLimit());
        }

        @Test
        void anOverrideForAnotherProfileIsAnError() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.fromEnv(Map.of("HOLDLINE_PROFILE_SUPPORT_WRAP_UP_NOTICE", "60s")));

            assertEquals("HOLDLINE_PROFILE_SUPPORT_WRAP_UP_NOTICE: overrides wrap_up_notice of a profile named 'SUPPORT', but no"
                    + " configured profile has that name (profiles: default). Fix: use HOLDLINE_PROFILE_DEFAULT_WRAP_UP_NOTICE, or"
                    + " remove the variable", e.getMessage());
        }

        @Test
        void aDrainTimeoutBelowTheBuiltInWrapUpNoticeIsAnError() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class,
                    () -> ProfileConfig.fromEnv(Map.of("HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT", "20s")));

            assertEquals("HOLDLINE_PROFILE_DEFAULT_DRAIN_TIMEOUT: profile 'default': wrap_up_notice 30s (from the built-in profile)"
                    + " is not shorter than drain_timeout 20s. Fix: lower wrap_up_notice below 20s or raise drain_timeout above 30s",
                    e.getMessage());
        }
    }

    @Nested
    class FileErrors {
        @TempDir
        Path dir;

        private ProfileConfigException loadError(String yaml) throws IOException {
            Path file = write(dir, yaml);
            return assertThrows(ProfileConfigException.class, () -> ProfileConfig.load(file, Map.of()));
        }

        private String file() {
            return dir.resolve("profiles.yaml").toString();
        }

        @Test
        void aTypoInAProfileSettingIsRefusedWithASuggestion() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timout: 300s
                        wrap_up_notice: 30s
                    """);
            assertEquals(file() + " line 3: profile 'default': unknown setting 'drain_timout'. Fix: did you mean 'drain_timeout'?"
                    + " (allowed here: drain_timeout, wrap_up_notice, match)", e.getMessage());
        }

        @Test
        void aTypoAtTheTopLevelIsRefusedWithASuggestion() throws IOException {
            ProfileConfigException e = loadError("""
                    stop_timeout: 930s
                    safety-margin: 15s
                    profiles:
                      default: { drain_timeout: 300s, wrap_up_notice: 30s }
                    """);
            assertEquals(file() + " line 2: unknown setting 'safety-margin'. Fix: did you mean 'safety_margin'?"
                    + " (allowed here: stop_timeout, safety_margin, default_profile, profiles)", e.getMessage());
        }

        @Test
        void anUnknownMatchConditionIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        match: { agent_name: [support] }
                    """);
            assertEquals(file() + " line 5: profile 'default': match: unknown setting 'agent_name'. Fix: did you mean 'agent_names'?"
                    + " (allowed here: agent_names, metadata, attributes)", e.getMessage());
        }

        @Test
        void aKeyUnlikeAnySettingIsRefusedWithoutASuggestion() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        max_calls: 4
                    """);
            assertEquals(file() + " line 5: profile 'default': unknown setting 'max_calls'. Fix: remove it"
                    + " (allowed here: drain_timeout, wrap_up_notice, match)", e.getMessage());
        }

        @Test
        void aSettingGivenTwiceIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        drain_timeout: 600s
                    """);
            assertEquals(file() + " line 5: profile 'default': 'drain_timeout' is given twice (first on line 3). Fix: keep one of them",
                    e.getMessage());
        }

        @Test
        void aProfileGivenTwiceIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default: { drain_timeout: 300s, wrap_up_notice: 30s }
                      default: { drain_timeout: 600s, wrap_up_notice: 30s }
                    """);
            assertEquals(file() + " line 3: profiles: 'default' is given twice (first on line 2). Fix: keep one of them", e.getMessage());
        }

        @Test
        void aBadDurationNamesFileLineSettingAndValue() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      support:
                        drain_timeout: fifteen
                        wrap_up_notice: 30s
                    """);
            assertEquals(file() + " line 3: profile 'support': drain_timeout 'fifteen' is not a duration (use 900s, 15m or PT15M)",
                    e.getMessage());
        }

        @Test
        void aNegativeDurationIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    safety_margin: -5s
                    profiles:
                      default: { drain_timeout: 300s, wrap_up_notice: 30s }
                    """);
            assertEquals(file() + " line 1: safety_margin '-5s' is negative (use 0s or more)", e.getMessage());
        }

        @Test
        void aZeroDrainTimeoutIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default: { drain_timeout: 0s, wrap_up_notice: 0s }
                    """);
            assertEquals(file() + " line 2: profile 'default': drain_timeout 0s must be longer than 0. Fix: give the time this profile's"
                    + " calls may go on after a drain starts, e.g. 300s", e.getMessage());
        }

        @Test
        void aWrapUpNoticeNotShorterThanTheDrainTimeoutIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 60s
                        wrap_up_notice: 1m
                    """);
            assertEquals(file() + " line 3: profile 'default': wrap_up_notice 60s (from " + file() + " line 4) is not shorter than"
                    + " drain_timeout 60s. Fix: lower wrap_up_notice below 60s or raise drain_timeout above 60s", e.getMessage());
        }

        @Test
        void aMissingDrainTimeoutIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        wrap_up_notice: 30s
                    """);
            assertEquals(file() + " line 2: profile 'default': drain_timeout is missing. Fix: add it, e.g. drain_timeout: 300s",
                    e.getMessage());
        }

        @Test
        void anEmptyValueIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout:
                        wrap_up_notice: 30s
                    """);
            assertEquals(file() + " line 3: profile 'default': drain_timeout has no value. Fix: give a duration such as 300s",
                    e.getMessage());
        }

        @Test
        void aDefaultProfileThatIsNotConfiguredIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    default_profile: fallback
                    profiles:
                      support: { drain_timeout: 900s, wrap_up_notice: 60s }
                    """);
            assertEquals(file() + " line 1: default_profile 'fallback' is not a configured profile (profiles: support)."
                    + " Fix: set default_profile to one of them, or add a profile named 'fallback'", e.getMessage());
        }

        @Test
        void withoutDefaultProfileAProfileNamedDefaultIsNeeded() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      support: { drain_timeout: 900s, wrap_up_notice: 60s }
                      scheduling: { drain_timeout: 300s, wrap_up_notice: 30s }
                    """);
            assertEquals(file() + ": no default_profile is set and no profile is named 'default' (profiles: support, scheduling)."
                    + " Fix: set default_profile to one of them, or add a profile named 'default'", e.getMessage());
        }

        @Test
        void aMatchWithoutConditionsIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        match: {}
                    """);
            assertEquals(file() + " line 5: profile 'default': match has no conditions, so it would match every job."
                    + " Fix: give agent_names, metadata or attributes, or remove match", e.getMessage());
        }

        @Test
        void agentNamesMustBeAList() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        match:
                          agent_names: support
                    """);
            assertEquals(file() + " line 6: profile 'default': match: agent_names must be a list such as [support], not a single value",
                    e.getMessage());
        }

        @Test
        void anEmptyConditionIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        match: { agent_names: [support], metadata: {} }
                    """);
            assertEquals(file() + " line 5: profile 'default': match: metadata is empty. Fix: give at least one name: value pair,"
                    + " or remove metadata", e.getMessage());
        }

        @Test
        void aNestedConditionValueIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default:
                        drain_timeout: 300s
                        wrap_up_notice: 30s
                        match:
                          attributes: { tier: [premium, gold] }
                    """);
            assertEquals(file() + " line 6: profile 'default': match: attributes 'tier' must be a value to compare with, not a list",
                    e.getMessage());
        }

        @Test
        void missingProfilesAreRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    stop_timeout: 930s
                    """);
            assertEquals(file() + " line 1: profiles is missing. Fix: add profiles: with at least one profile", e.getMessage());
        }

        @Test
        void emptyProfilesAreRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles: {}
                    """);
            assertEquals(file() + " line 1: profiles must map profile names to their settings, but is empty. Fix: add at least one"
                    + " profile, e.g. profiles: { default: { drain_timeout: 300s, wrap_up_notice: 30s } }", e.getMessage());
        }

        @Test
        void aProfileThatIsNotAMappingIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default: 300s
                    """);
            assertEquals(file() + " line 2: profile 'default' must be a mapping with drain_timeout and wrap_up_notice, not a single value",
                    e.getMessage());
        }

        @Test
        void aTopLevelListIsRefused() throws IOException {
            ProfileConfigException e = loadError("""
                    - default
                    """);
            assertEquals(file() + " line 1: the top level must be a mapping with profiles:, not a list", e.getMessage());
        }

        @Test
        void anEmptyFileIsRefused() throws IOException {
            ProfileConfigException e = loadError("# nothing yet\n");
            assertEquals(file() + ": the file has no settings. Fix: add profiles: with at least one profile", e.getMessage());
        }

        @Test
        void invalidYamlIsRefusedWithItsPosition() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default: { drain_timeout: 300s, wrap_up_notice: 30s
                    """);
            assertEquals(file() + " line 3, column 1: not valid YAML (expected ',' or '}', but got <stream end>)."
                    + " Fix: correct the YAML there", e.getMessage());
        }

        @Test
        void typedYamlIsNeverConstructed() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://127.0.0.1/"]]]]
                    """);
            assertEquals(file() + " line 1, column 11: not valid YAML (Global tag is not allowed:"
                    + " tag:yaml.org,2002:javax.script.ScriptEngineManager). Fix: correct the YAML there", e.getMessage());
        }

        @Test
        void yaml11ScalarsAreReadAsWritten() throws IOException {
            ProfileConfigException e = loadError("""
                    profiles:
                      default: { drain_timeout: 1:30, wrap_up_notice: 30s }
                    """);
            assertEquals(file() + " line 2: profile 'default': drain_timeout '1:30' is not a duration (use 900s, 15m or PT15M)",
                    e.getMessage());
        }

        @Test
        void aMissingFileIsRefused() {
            Path missing = dir.resolve("nope.yaml");
            ProfileConfigException e = assertThrows(ProfileConfigException.class, () -> ProfileConfig.load(missing, Map.of()));
            assertEquals(missing + ": cannot read the profile file (no such file). Fix: check the path and that the worker's user"
                    + " may read it", e.getMessage());
            assertInstanceOf(NoSuchFileException.class, e.getCause());
        }

        @Test
        void aFileThatIsNotUtf8IsRefused() throws IOException {
            Path file = dir.resolve("latin1.yaml");
            Files.write(file, "profiles: { d\u00e9faut: { drain_timeout: 300s, wrap_up_notice: 30s } }".getBytes(StandardCharsets.ISO_8859_1));
            ProfileConfigException e = assertThrows(ProfileConfigException.class, () -> ProfileConfig.load(file, Map.of()));
            assertEquals(file + ": cannot read the profile file (it is not UTF-8 text). Fix: check the path and that the worker's"
                    + " user may read it", e.getMessage());
        }
    }

    @Nested
    class Builder {
        @Test
        void buildsWhatItIsGiven() {
            MatchRule rule = MatchRule.agentNames("support").withAttribute("tier", "premium");
            ProfileConfig config = ProfileConfig.builder()
                    .profile(profile("support", 900, 60), rule)
                    .profile(profile("fallback", 120, 20))
                    .defaultProfile("fallback")
                    .stopTimeout(Duration.ofSeconds(930))
                    .safetyMargin(Duration.ofSeconds(15))
                    .build();

            assertEquals(List.of(profile("support", 900, 60), profile("fallback", 120, 20)), config.profiles());
            assertEquals(Optional.of(rule), config.matchRule("support"));
            assertEquals("fallback", config.defaultProfileName());
            assertEquals(Optional.of(Duration.ofSeconds(915)), config.hardDrainLimit());
        }

        @Test
        void defaultsToTheProfileNamedDefaultAndATenSecondMargin() {
            ProfileConfig config = ProfileConfig.builder().profile(profile("default", 120, 20)).build();

            assertEquals("default", config.defaultProfileName());
            assertEquals(Duration.ofSeconds(10), config.safetyMargin());
            assertEquals(Optional.empty(), config.stopTimeout());
        }

        @Test
        void aProfileAddedTwiceIsRefused() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class, () -> ProfileConfig.builder()
                    .profile(profile("default", 120, 20)).profile(profile("default", 300, 20)).build());
            assertEquals("ProfileConfig.builder(): profile 'default' is added twice. Fix: add each profile once", e.getMessage());
        }

        @Test
        void noProfilesAreRefused() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class, () -> ProfileConfig.builder().build());
            assertEquals("ProfileConfig.builder(): no profiles are configured. Fix: add at least one profile with its drain_timeout"
                    + " and wrap_up_notice", e.getMessage());
        }

        @Test
        void aDefaultProfileThatIsNotAddedIsRefused() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class, () -> ProfileConfig.builder()
                    .profile(profile("support", 120, 20)).defaultProfile("fallback").build());
            assertEquals("ProfileConfig.builder(): default_profile 'fallback' is not a configured profile (profiles: support)."
                    + " Fix: set default_profile to one of them, or add a profile named 'fallback'", e.getMessage());
        }

        @Test
        void aNegativeMarginIsRefused() {
            ProfileConfigException e = assertThrows(ProfileConfigException.class, () -> ProfileConfig.builder()
                    .profile(profile("default", 120, 20)).safetyMargin(Duration.ofSeconds(-1)).build());
            assertEquals("ProfileConfig.builder(): safety_margin -1s is negative. Fix: use 0s or more", e.getMessage());
        }
    }

    static Path write(Path dir, String yaml) throws IOException {
        return Files.writeString(dir.resolve("profiles.yaml"), yaml);
    }
}
