package dev.holdline.infra.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stop timeout from the profile file, and the synth-time refusals. No CDK involved. */
class DrainBudgetTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("profiles.yaml"), text);
    }

    @Test
    void longestDrainPlusMargin() {
        DrainBudget b = DrainBudget.of(Synthesized.resource("profiles.yaml"));
        assertEquals(915, b.stopTimeoutSeconds());
        assertEquals("915s", b.stopTimeoutEnvValue());
        assertEquals("support", b.longest().name());
        assertEquals(Duration.ofSeconds(15), b.safetyMargin());
        assertFalse(b.fromFile());
        assertEquals("stopTimeout 915s = profile 'support' drain_timeout 900s + safety margin 15s", b.describe());
    }

    @Test
    void followsTheFile() {
        assertEquals(1215, DrainBudget.of(Synthesized.resource("profiles-longer.yaml")).stopTimeoutSeconds());
    }

    @Test
    void theDefaultMarginAppliesWhenTheFileHasNone() throws IOException {
        Path f = write("profiles:\n  default:\n    drain_timeout: 5m\n    wrap_up_notice: 30s\n");
        assertEquals(310, DrainBudget.of(f).stopTimeoutSeconds());
    }

    @Test
    void subSecondValuesRoundUpToWholeSeconds() throws IOException {
        Path f = write("safety_margin: 15s\nprofiles:\n  default:\n    drain_timeout: 900s500ms\n    wrap_up_notice: 30s\n");
        DrainBudget b = DrainBudget.of(f);
        assertEquals(916, b.stopTimeoutSeconds());
        assertEquals("916s", b.stopTimeoutEnvValue());
    }

    @Test
    void aStopTimeoutInTheFileIsHonouredWhenItCoversEveryProfile() {
        DrainBudget b = DrainBudget.of(Synthesized.resource("profiles-stop-timeout.yaml"));
        assertEquals(1000, b.stopTimeoutSeconds());
        assertTrue(b.fromFile());
    }

    @Test
    void aStopTimeoutInTheFileThatIsTooShortIsRefusedWithTheWorkersOwnMessage() {
        Path f = Synthesized.resource("profiles-stop-timeout-short.yaml");
        SynthRefusedException e = assertThrows(SynthRefusedException.class, () -> DrainBudget.of(f));
        assertEquals("Cannot synthesize: Unsafe drain configuration: profile 'support' drain_timeout 900s + safety margin 15s"
                + " = 915s exceeds stop_timeout 600s, so ECS would SIGKILL calls still draining. Fix: set the container's"
                + " stopTimeout and stop_timeout to at least 915s, or lower 'support' drain_timeout to at most 585s. (in " + f + ")",
                e.getMessage());
    }

    @Test
    void aDrainLongerThanTheEc2CapIsRefusedNamingTheSettingAndTheFix() {
        Path f = Synthesized.resource("profiles-too-long.yaml");
        SynthRefusedException e = assertThrows(SynthRefusedException.class, () -> DrainBudget.of(f));
        assertEquals("Cannot synthesize: profile 'overnight' drain_timeout 7200s + safety margin 15s = 7215s in " + f
                + " exceeds the 7200s container stopTimeout this stack allows on EC2 (ECS documents no maximum for the EC2"
                + " launch type; 7200 s is the widely quoted one), so the stack cannot give it the time to drain."
                + " Fix: lower 'overnight' drain_timeout to at most 7185s in that file.", e.getMessage());
        assertEquals(1, e.problems().size(), "only the profile over the cap");
    }

    @Test
    void exactlyTheCapIsAccepted() throws IOException {
        Path f = write("safety_margin: 15s\nprofiles:\n  default:\n    drain_timeout: 7185s\n    wrap_up_notice: 60s\n");
        assertEquals(DrainBudget.EC2_STOP_TIMEOUT_CAP_SECONDS, DrainBudget.of(f).stopTimeoutSeconds());
    }

    @Test
    void aFileStopTimeoutAboveTheCapIsRefused() throws IOException {
        Path f = write("stop_timeout: 3h\nsafety_margin: 15s\nprofiles:\n  default:\n    drain_timeout: 900s\n    wrap_up_notice: 60s\n");
        SynthRefusedException e = assertThrows(SynthRefusedException.class, () -> DrainBudget.of(f));
        assertTrue(e.getMessage().startsWith("Cannot synthesize: stop_timeout 10800s in " + f + " exceeds the 7200s container"
                + " stopTimeout this stack allows on EC2"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix: set stop_timeout to at most 7200s (it must stay at least 915s)"), e.getMessage());
    }

    @Test
    void anUnreadableFileIsRefusedWithTheLoadersMessage() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        SynthRefusedException e = assertThrows(SynthRefusedException.class, () -> DrainBudget.of(missing));
        assertTrue(e.getMessage().startsWith("Cannot synthesize: --profiles " + missing + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());

        Path typo = write("profiles:\n  default:\n    drain_timout: 900s\n");
        e = assertThrows(SynthRefusedException.class, () -> DrainBudget.of(typo));
        assertTrue(e.getMessage().contains("drain_timout"), e.getMessage());
    }
}
