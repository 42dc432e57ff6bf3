package dev.holdline.worker.logging;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * What every log line about one session carries in the MDC, so that JSON logs can be filtered by
 * call: {@value #JOB_ID}, {@value #SESSION_ID}, {@value #ROOM} and {@value #PROFILE}. The runtime
 * opens it on the session's thread (for the handler's whole run) and around its own lines about
 * the session on other threads. MDC values do not follow a handler into threads it starts itself:
 * it copies them ({@code MDC.getCopyOfContextMap()}, then {@code MDC.setContextMap} in the new thread).
 *
 * @param jobId     LiveKit's job id ({@code AJ_…})
 * @param sessionId minted by this worker for this run of the job: a job re-run elsewhere (after a
 *                  crash, or with a restart policy) keeps its job id but gets a new session id
 * @param room      the room's name
 * @param profile   the call profile the session drains with
 */
public record SessionLogContext(String jobId, String sessionId, String room, String profile) {
    public static final String JOB_ID = "job_id";
    public static final String SESSION_ID = "session_id";
    public static final String ROOM = "room";
    public static final String PROFILE = "profile";

    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** 12 base-62 characters: ~71 bits, unique enough for correlating logs, not a secret. */
    private static final int ID_CHARS = 12;

    public SessionLogContext {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(sessionId, "sessionId");
        room = Objects.requireNonNullElse(room, "");
        profile = Objects.requireNonNullElse(profile, "");
    }

    /** A context with a fresh session id ({@code SE_} and 12 base-62 characters, in LiveKit's id style). */
    public static SessionLogContext mint(String jobId, String room, String profile) {
        StringBuilder id = new StringBuilder("SE_");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < ID_CHARS; i++) {
            id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return new SessionLogContext(jobId, id.toString(), room, profile);
    }

    /** Puts the keys into this thread's MDC; closing the scope puts back what was there before. */
    public Scope open() {
        Scope previous = new Scope(MDC.get(JOB_ID), MDC.get(SESSION_ID), MDC.get(ROOM), MDC.get(PROFILE));
        MDC.put(JOB_ID, jobId);
        MDC.put(SESSION_ID, sessionId);
        MDC.put(ROOM, room);
        MDC.put(PROFILE, profile);
        return previous;
    }

    /** {@code task} with this context open while it runs, for threads that work on this session. */
    public Runnable wrap(Runnable task) {
        return () -> {
            try (Scope ignored = open()) {
                task.run();
            }
        };
    }

    /** The MDC values a thread had before {@link #open}; {@link #close} restores them. */
    public static final class Scope implements AutoCloseable {
        private final String jobId;
        private final String sessionId;
        private final String room;
        private final String profile;

        private Scope(String jobId, String sessionId, String room, String profile) {
            this.jobId = jobId;
            this.sessionId = sessionId;
            this.room = room;
            this.profile = profile;
        }

        @Override
        public void close() {
            restore(JOB_ID, jobId);
            restore(SESSION_ID, sessionId);
            restore(ROOM, room);
            restore(PROFILE, profile);
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}
