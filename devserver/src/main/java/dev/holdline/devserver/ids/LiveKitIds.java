package dev.holdline.devserver.ids;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers in LiveKit's style: a type prefix and 12 random base62 characters
 * ({@code AW_}, {@code AJ_}, {@code AD_}, {@code RM_}, {@code PA_}, {@code TR_}), so logs from the dev server read like a real
 * server's. They only need to be unique within one server, not unguessable.
 */
public final class LiveKitIds {
    public static final String WORKER = "AW_";
    public static final String JOB = "AJ_";
    public static final String DISPATCH = "AD_";
    public static final String ROOM = "RM_";
    /** Clients parse these two prefixes: a participant sid must start {@code PA_}, a track sid {@code TR_}. */
    public static final String PARTICIPANT = "PA_";
    public static final String TRACK = "TR_";

    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int RANDOM_LENGTH = 12;

    private LiveKitIds() {}

    public static String newId(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(prefix.length() + RANDOM_LENGTH).append(prefix);
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }
}
