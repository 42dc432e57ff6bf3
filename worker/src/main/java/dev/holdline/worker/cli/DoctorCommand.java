package dev.holdline.worker.cli;

import dev.holdline.worker.doctor.Doctor;
import dev.holdline.worker.doctor.DoctorReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code holdline doctor}: the preflight check. Exit 1 on any FAIL, 0 otherwise. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Preflight: checks that a worker can run here against this LiveKit server without cutting calls.",
                "Each line is PASS, INFO, WARN, FAIL or SKIP, with the fix. Exit status 1 when any line is FAIL."})
final class DoctorCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream out;

    @Option(names = "--url", description = "LiveKit URL (default: LIVEKIT_URL).")
    String url;

    @Option(names = "--api-key", description = "LiveKit API key (default: LIVEKIT_API_KEY). The secret is read from LIVEKIT_API_SECRET only.")
    String apiKey;

    @Option(names = "--profiles", description = "Call-profile file (default: HOLDLINE_PROFILES, else the built-in profile).")
    Path profiles;

    @Option(names = "--stun", paramLabel = "HOST:PORT",
            description = "STUN or TURN server for the ICE/UDP check, e.g. your LiveKit host:3478 (default: not checked, WARN).")
    String stun;

    @Option(names = "--timeout", description = "Per network check (default: 5s).")
    String timeout;

    DoctorCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        Duration t = timeout == null ? Doctor.DEFAULT_TIMEOUT
                : dev.holdline.lifecycle.profile.Durations.parse(timeout, "--timeout");
        Doctor.Settings settings = new Doctor.Settings(first(url, env.get("LIVEKIT_URL")), first(apiKey, env.get("LIVEKIT_API_KEY")),
                env.get("LIVEKIT_API_SECRET"), Optional.ofNullable(profiles), Optional.ofNullable(stun), t, env, Clock.systemUTC());
        out.println("holdline doctor: LiveKit " + (settings.url() == null ? "(LIVEKIT_URL unset)" : settings.url())
                + ", API key " + (settings.apiKey() == null ? "(unset)" : settings.apiKey()));
        DoctorReport report = Doctor.run(settings);
        report.print(out);
        return report.failed() ? 1 : 0;
    }

    private static String first(String a, String b) {
        return a != null && !a.isBlank() ? a : b;
    }
}
