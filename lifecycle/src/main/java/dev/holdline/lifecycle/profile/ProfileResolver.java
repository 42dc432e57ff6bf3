package dev.holdline.lifecycle.profile;

import java.util.Optional;

/**
 * The developer's own say in which call profile a job gets, asked before the rules in the
 * profile file (see {@link ProfileConfig#resolve}). Runs on every session start, so it should
 * be quick and must not block.
 *
 * <p>Returning a name that is not configured, or throwing, is logged as a warning and the
 * choice falls through to the file's rules: a bug here must not stop calls from being taken.
 */
@FunctionalInterface
public interface ProfileResolver {
    /** The name of the profile {@code job} should get, or empty to leave it to the rules. */
    Optional<String> profileFor(JobFacts job);

    /** A resolver with no opinion, for workers that rely on the profile file alone. */
    static ProfileResolver none() {
        return job -> Optional.empty();
    }
}
