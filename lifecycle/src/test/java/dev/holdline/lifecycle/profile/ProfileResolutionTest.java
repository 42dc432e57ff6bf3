package dev.holdline.lifecycle.profile;

import static dev.holdline.lifecycle.profile.ProfileConfigLoadTest.example;
import static dev.holdline.lifecycle.profile.ProfileConfigLoadTest.profile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ProfileResolutionTest {
    /** The example file: support (agent support + metadata profile=support + attribute tier=premium), scheduling (agent scheduling), default. */
    private final ProfileConfig config = ProfileConfig.load(example(), Map.of());

    private final Logger logger = (Logger) LoggerFactory.getLogger(ProfileConfig.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
        logger.setAdditive(false); // keep the expected warnings off the console
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
        logger.setAdditive(true);
    }

    private static JobFacts job(String agentName, String metadata, Map<String, String> attributes) {
        return new JobFacts(agentName, metadata, attributes);
    }

    private String resolved(JobFacts job, ProfileResolver resolver) {
        return config.resolve(job, resolver).name();
    }

    private List<ILoggingEvent> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    }

    @Test
    void theDevelopersResolverComesFirst() {
        JobFacts supportJob = job("support", "{\"profile\":\"support\"}", Map.of("tier", "premium"));

        assertEquals("scheduling", resolved(supportJob, j -> Optional.of("scheduling")));
        assertEquals("support", resolved(supportJob, ProfileResolver.none()));
        assertEquals("support", resolved(supportJob, null));
    }

    @Test
    void theResolverIsGivenTheJob() {
        AtomicReference<JobFacts> seen = new AtomicReference<>();
        JobFacts job = job("support", "{}", Map.of("tier", "basic"));

        config.resolve(job, j -> {
            seen.set(j);
            return Optional.empty();
        });

        assertEquals(job, seen.get());
    }

    @Test
    void anUnknownNameFromTheResolverFallsThroughAndIsWarnedAboutOncePerName() {
        ProfileResolver resolver = j -> Optional.of(j.agentName().equals("a") ? "sales" : "billing");

        assertEquals("scheduling", resolved(job("a", "{\"profile\":\"scheduling\"}", Map.of()), resolver));
        assertEquals("default", resolved(job("a", "", Map.of()), resolver));
        assertEquals("default", resolved(job("b", "", Map.of()), resolver));
        assertEquals("default", resolved(job("b", "", Map.of()), resolver));

        assertEquals(List.of(
                "The profile resolver chose profile 'sales', which is not configured (profiles: support, scheduling, default);"
                        + " choosing by the configured rules instead. Logged once per name.",
                "The profile resolver chose profile 'billing', which is not configured (profiles: support, scheduling, default);"
                        + " choosing by the configured rules instead. Logged once per name."),
                warnings().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }

    @Test
    void aThrowingResolverFallsThroughAndIsWarnedAboutWithTheException() {
        IllegalStateException failure = new IllegalStateException("resolver bug");

        String chosen = resolved(job("scheduling", "", Map.of()), j -> {
            throw failure;
        });

        assertEquals("scheduling", chosen);
        ILoggingEvent warning = warnings().getFirst();
        assertEquals("The profile resolver failed for a job of agent 'scheduling'; choosing its profile by the configured rules"
                + " instead", warning.getFormattedMessage());
        assertNotNull(warning.getThrowableProxy());
        assertEquals(failure, ((ThrowableProxy) warning.getThrowableProxy()).getThrowable());
    }

    @Test
    void aResolverReturningNullIsTreatedAsNoOpinion() {
        assertEquals("scheduling", resolved(job("scheduling", "", Map.of()), j -> null));
        assertTrue(warnings().isEmpty());
    }

    @Test
    void ruleMatchesByAgentName() {
        assertEquals("scheduling", resolved(job("scheduling", "", Map.of()), null));
    }

    @Test
    void everyConditionOfARuleMustHold() {
        // support's rule also asks for metadata profile=support and attribute tier=premium
        assertEquals("support", resolved(job("support", "{\"profile\":\"support\",\"x\":1}", Map.of("tier", "premium")), null));
        assertEquals("default", resolved(job("support", "{\"lang\":\"en\"}", Map.of("tier", "premium")), null));
        assertEquals("default", resolved(job("support", "{\"lang\":\"en\"}", Map.of("tier", "basic")), null));
        assertEquals("default", resolved(job("sales", "{\"lang\":\"en\"}", Map.of("tier", "premium")), null));
    }

    @Test
    void rulesMatchByMetadataAndByAttributesAlone() {
        ProfileConfig byData = ProfileConfig.builder()
                .profile(profile("billing", 600, 30), new MatchRule(List.of(), Map.of("queue", "billing", "priority", "1"), Map.of()))
                .profile(profile("vip", 900, 60), new MatchRule(List.of(), Map.of(), Map.of("tier", "vip")))
                .profile(profile("default", 120, 20))
                .build();

        assertEquals("billing", byData.resolve(job("", "{\"queue\":\"billing\",\"priority\":1}", Map.of()), null).name());
        assertEquals("billing", byData.resolve(job("", "{\"queue\":\"billing\",\"priority\":\"1\"}", Map.of()), null).name());
        assertEquals("default", byData.resolve(job("", "{\"queue\":\"billing\",\"priority\":2}", Map.of()), null).name());
        assertEquals("default", byData.resolve(job("", "{\"queue\":\"billing\",\"priority\":[1]}", Map.of()), null).name());
        assertEquals("default", byData.resolve(job("", "{\"queue\":{\"billing\":1},\"priority\":1}", Map.of()), null).name());
        assertEquals("vip", byData.resolve(job("", "", Map.of("tier", "vip", "lang", "de")), null).name());
        assertEquals("default", byData.resolve(job("", "", Map.of("tier", "VIP")), null).name());
    }

    @Test
    void theFirstMatchingRuleInFileOrderWins() {
        ProfileConfig overlapping = ProfileConfig.builder()
                .profile(profile("first", 600, 30), MatchRule.agentNames("a", "b"))
                .profile(profile("second", 900, 60), MatchRule.agentNames("b"))
                .profile(profile("default", 120, 20))
                .build();

        assertEquals("first", overlapping.resolve(job("b", "", Map.of()), null).name());
    }

    @Test
    void metadataNamingAProfileChoosesIt() {
        assertEquals("scheduling", resolved(job("other", "{\"profile\":\"scheduling\"}", Map.of()), null));
        assertEquals("support", resolved(job("other", "{\"profile\":\"support\"}", Map.of()), null));
    }

    @Test
    void rulesComeBeforeTheMetadataConvention() {
        assertEquals("scheduling", resolved(job("scheduling", "{\"profile\":\"support\"}", Map.of()), null));
    }

    @Test
    void metadataNamingAnUnknownProfileGivesTheDefaultWithOneWarning() {
        assertEquals("default", resolved(job("other", "{\"profile\":\"sales\"}", Map.of()), null));
        assertEquals("default", resolved(job("other", "{\"profile\":\"sales\"}", Map.of()), null));

        assertEquals(List.of("Dispatch metadata names profile 'sales', which is not configured (profiles: support, scheduling,"
                        + " default); using default profile 'default'. Logged once per name."),
                warnings().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }

    @Test
    void metadataThatIsNotAJsonObjectMatchesNothingAndThrowsNothing() {
        for (String metadata : new String[] {"profile=support", "support", "{oops", "[\"profile\",\"support\"]", "\"support\"",
                "{\"profile\":null}", "{\"profile\":[\"support\"]}", "", "   "}) {
            assertEquals("default", resolved(job("other", metadata, Map.of()), null), metadata);
        }
        assertTrue(warnings().isEmpty());
    }

    @Test
    void nothingElseGivesTheDefaultProfile() {
        assertEquals(profile("default", 120, 20), config.resolve(job(null, null, null), null));
    }

    @Test
    void theResolverIsAskedOncePerResolution() {
        AtomicInteger calls = new AtomicInteger();
        config.resolve(job("support", "", Map.of()), j -> {
            calls.incrementAndGet();
            return Optional.empty();
        });
        assertEquals(1, calls.get());
    }

    @Test
    void metadataIsReadLazilyAndKeptAfterTheFirstParse() {
        JobMetadata metadata = new JobMetadata("{\"profile\":\"support\",\"n\":3,\"ok\":true}");

        assertEquals(Optional.of("support"), metadata.field("profile"));
        assertEquals(Optional.of("3"), metadata.field("n"));
        assertEquals(Optional.of("true"), metadata.field("ok"));
        assertEquals(Optional.empty(), metadata.field("missing"));
    }

    @Test
    void jobFactsNormaliseMissingValues() {
        JobFacts facts = new JobFacts(null, null, null);

        assertEquals("", facts.agentName());
        assertEquals("", facts.metadata());
        assertEquals(Map.of(), facts.attributes());
    }

    @Test
    void aMatchRuleNeedsAtLeastOneCondition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MatchRule(List.of(), Map.of(), Map.of()));
        assertEquals("a match rule needs at least one condition (agent names, metadata or attributes)", e.getMessage());
    }

    @Test
    void aMatchRuleCanBeUsedOnItsOwn() {
        MatchRule rule = MatchRule.agentNames("a").withMetadata("k", "v").withAttribute("tier", "gold");

        assertTrue(rule.matches(job("a", "{\"k\":\"v\"}", Map.of("tier", "gold"))));
        assertFalse(rule.matches(job("a", "{\"k\":\"w\"}", Map.of("tier", "gold"))));
    }
}
