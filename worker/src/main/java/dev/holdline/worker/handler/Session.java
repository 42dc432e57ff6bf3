package dev.holdline.worker.handler;

import dev.holdline.worker.room.Room;
import dev.holdline.worker.room.RoomException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One running job, as its handler sees it. Safe to use from any thread.
 */
public interface Session {

    /** The job as dispatched. */
    JobInfo job();

    /** Shorthand for {@code job().roomName()}. */
    default String roomName() {
        return job().roomName();
    }

    /** Shorthand for {@code job().metadata()}: the dispatch metadata, verbatim. */
    default String metadata() {
        return job().metadata();
    }

    /** The identity this agent joins the room with. */
    String participantIdentity();

    /** The call profile this session runs under (decides its drain deadline). */
    String profile();

    /** Set once the worker drains: when this session must have ended. */
    Optional<java.time.Instant> drainDeadline();

    /** True once the worker drains. The session runs on until it ends or reaches its deadline. */
    default boolean isDraining() {
        return drainDeadline().isPresent();
    }

    /** Adds a listener for the drain notices; added after the drain started, it hears {@code onDraining} at once. */
    void addDrainListener(DrainListener listener);

    /** The LiveKit URL to join the room at (the assignment's URL, else the worker's). */
    String url();

    /** The room token from the assignment. Never log it. */
    String token();

    /**
     * Joins the job's room with the assignment's token and publishes the agent's voice track
     * ({@link Room#audioOutput()}). Blocks until joined; later calls return the same room. The
     * room is left, and every native media object freed, when the session ends.
     *
     * <p>While connected, the session also ends when the last caller leaves the room
     * ({@link EndReason#CALLER_LEFT}) or the room connection ends for good
     * ({@link EndReason#ROOM_CLOSED}). Once the session is asked to end, audio streams end
     * (reads return null) but the output keeps playing, so a handler can still say goodbye.
     *
     * @throws RoomException when the room cannot be joined (the message says why)
     */
    Room connect() throws RoomException, InterruptedException;

    /** The room, once {@link #connect()} succeeded. */
    Optional<Room> room();

    /**
     * Runs {@code callback} once when the session has ended, after the handler returned, with
     * the reason. Callbacks run in the order added; one that throws is logged and the rest run.
     */
    void addShutdownCallback(Consumer<EndReason> callback);

    /** Set as soon as the session has been asked to end (termination, shutdown) or has ended. */
    Optional<EndReason> endReason();

    /** True once the session has been asked to end; a handler's loops should check it. */
    default boolean isEnding() {
        return endReason().isPresent();
    }

    /** Blocks until the session is asked to end. */
    void awaitEnd() throws InterruptedException;

    /**
     * Blocks until the session is asked to end or {@code timeout} passes.
     *
     * @return true if the session was asked to end, false on timeout
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException;
}
