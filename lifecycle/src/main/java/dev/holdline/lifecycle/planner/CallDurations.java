package dev.holdline.lifecycle.planner;

import dev.holdline.lifecycle.profile.Durations;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Observed call durations per profile, read from one of two sources.
 *
 * <p><b>CSV</b> ({@link #fromCsv}): one call per line, {@code profile,duration}. The duration is
 * seconds ({@code 734} or {@code 734.5}) or a duration as in the profile file ({@code 12m14s},
 * {@code PT12M14S}). Blank lines and lines starting with {@code #} are skipped, and so is a first
 * line whose duration field is not a duration (a header such as {@code profile,duration_seconds}).
 * Further columns are ignored, so an export with more fields works when these two come first.
 *
 * <p><b>Prometheus text</b> ({@link #fromPrometheus}): the {@code holdline_call_duration_seconds}
 * histogram as a worker's {@code /metrics} serves it. Series that differ only in other labels
 * ({@code instance}, say, in a file gathered from several workers) are added up, by profile and
 * bucket. Each bucket's calls count at its upper bound.
 */
public final class CallDurations {
    /** The histogram the worker exports (WorkerMetrics). */
    public static final String HISTOGRAM = "holdline_call_duration_seconds";

    private static final Pattern BUCKET = Pattern.compile("^" + HISTOGRAM + "_bucket\\{([^}]*)}\\s+(\\S+)(?:\\s+\\S+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String source;
    private final Map<String, ProfileDurations> profiles;

    private CallDurations(String source, Map<String, ProfileDurations> profiles) {
        this.source = source;
        this.profiles = Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
    }

    /** Where the durations came from, for the plan's first line. */
    public String source() {
        return source;
    }

    /** By profile name, in order of first appearance. */
    public Map<String, ProfileDurations> profiles() {
        return profiles;
    }

    public long calls() {
        return profiles.values().stream().mapToLong(ProfileDurations::calls).sum();
    }

    public static CallDurations fromCsv(Path file) {
        try {
            return fromCsv(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PlannerInputException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** @param source names the input in messages (a file name) */
    public static CallDurations fromCsv(String source, List<String> lines) {
        Map<String, List<Sample>> byProfile = new LinkedHashMap<>();
        boolean first = true;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean header = first;
            first = false;
            String[] fields = line.split(",", -1);
            String where = source + " line " + (i + 1);
            if (fields.length < 2) {
                if (header) {
                    continue;
                }
                throw new PlannerInputException(where + ": '" + line + "' is not 'profile,duration'");
            }
            String profile = unquote(fields[0]);
            String value = unquote(fields[1]);
            Duration d;
            try {
                d = duration(value, where);
            } catch (PlannerInputException e) {
                if (header) {
                    continue;
                }
                throw e;
            }
            if (profile.isEmpty()) {
                throw new PlannerInputException(where + ": the profile name is empty");
            }
            byProfile.computeIfAbsent(profile, p -> new ArrayList<>()).add(new Sample(d, 1));
        }
        if (byProfile.isEmpty()) {
            throw new PlannerInputException(source + " has no call durations (expected lines 'profile,duration')");
        }
        Map<String, ProfileDurations> profiles = new LinkedHashMap<>();
        byProfile.forEach((p, samples) -> profiles.put(p, new ProfileDurations(p, samples, false, 0)));
        return new CallDurations(source, profiles);
    }

    /** @param source names the input in messages (a URL or file name) */
    public static CallDurations fromPrometheus(String source, String text) {
        // profile -> upper bound (seconds; +Inf as infinity) -> cumulative count, summed over other labels
        Map<String, TreeMap<Double, Double>> cumulative = new LinkedHashMap<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher m = BUCKET.matcher(lines[i].strip());
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            String profile = labels.get("profile");
            String le = labels.get("le");
            if (profile == null || le == null) {
                throw new PlannerInputException(source + " line " + (i + 1) + ": a " + HISTOGRAM
                        + " bucket without a profile or le label");
            }
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : number(le, source, i);
            double count = number(m.group(2), source, i);
            cumulative.computeIfAbsent(profile, p -> new TreeMap<>()).merge(bound, count, Double::sum);
        }
        if (cumulative.isEmpty()) {
            throw new PlannerInputException(source + " has no " + HISTOGRAM + " histogram (is it a Holdline worker's /metrics?)");
        }
        Map<String, ProfileDurations> profiles = new LinkedHashMap<>();
        cumulative.forEach((profile, buckets) -> {
            List<Sample> samples = new ArrayList<>();
            double previous = 0;
            double largestFinite = 0;
            long beyond = 0;
            for (Map.Entry<Double, Double> b : buckets.entrySet()) {
                long inBucket = Math.round(b.getValue() - previous);
                previous = b.getValue();
                if (b.getKey().isInfinite()) {
                    beyond = inBucket;
                    // What a histogram cannot say: counted at the largest bound, and flagged.
                    samples.add(new Sample(seconds(largestFinite), inBucket));
                } else {
                    largestFinite = b.getKey();
                    samples.add(new Sample(seconds(b.getKey()), inBucket));
                }
            }
            ProfileDurations d = new ProfileDurations(profile, samples, true, beyond);
            if (d.calls() > 0) {
                profiles.put(profile, d);
            }
        });
        if (profiles.isEmpty()) {
            throw new PlannerInputException(source + ": the " + HISTOGRAM + " histogram has no calls yet");
        }
        return new CallDurations(source, profiles);
    }

    private static Duration duration(String value, String where) {
        try {
            BigDecimal seconds = new BigDecimal(value);
            if (seconds.signum() < 0) {
                throw new PlannerInputException(where + ": duration '" + value + "' is negative");
            }
            return Duration.ofNanos(seconds.movePointRight(9).toBigInteger().longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            try {
                return Durations.parse(value, where + ": duration");
            } catch (IllegalArgumentException e2) {
                throw new PlannerInputException(e2.getMessage().replace("(use 900s, 15m or PT15M)", "(use seconds such as 734.5, or 12m14s)"));
            }
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static double number(String s, String source, int line) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new PlannerInputException(source + " line " + (line + 1) + ": '" + s + "' is not a number");
        }
    }

    private static String unquote(String s) {
        String t = s.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1).strip() : t;
    }
}
