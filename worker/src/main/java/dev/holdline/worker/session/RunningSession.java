package dev.holdline.worker.session;

import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.handler.DrainListener;
import dev.holdline.worker.room.Room;
import dev.holdline.worker.room.RoomConnector;
import dev.holdline.worker.room.RoomException;
import dev.holdline.worker.room.RoomTokens;
import dev.holdline.worker.room.SessionRoom;
import dev.holdline.worker.logging.SessionLogContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The runtime's side of a {@link Session}. */
final class RunningSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(RunningSession.class);

    private final JobInfo job;
    private final String identity;
    private final String url;
    private final String token;
    private final String profile;
    private final SessionLogContext logContext;
    private final List<DrainListener> drainListeners = new CopyOnWriteArrayList<>();
    private volatile Instant drainDeadline;
    private volatile boolean wrapUpSent;
    private final AtomicReference<EndReason> endReason = new AtomicReference<>();
    private final CountDownLatch endRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final List<Consumer<EndReason>> callbacks = new CopyOnWriteArrayList<>();
    private volatile Thread thread;
    private final RoomConnector rooms;
    private final Consumer<EndReason> endRequester;
    private final Object roomLock = new Object();
    private volatile SessionRoom room;
    private volatile String roomLostError;
    private final Runnable onJoined;
    private final Runnable onFirstAudio;

    /**
     * @param endRequester asks the runtime to end this session (with its escalation), e.g. when
     *                     the caller left
     */
    RunningSession(JobInfo job, String identity, String url, String token, String profile, RoomConnector rooms,
                   Consumer<EndReason> endRequester, SessionLogContext logContext, Runnable onJoined,
                   Runnable onFirstAudio) {
        this.onJoined = onJoined;
        this.onFirstAudio = onFirstAudio;
        this.job = job;
        this.identity = identity;
        this.url = url;
        this.token = token;
        this.profile = profile;
        this.rooms = rooms;
        this.endRequester = endRequester;
        this.logContext = logContext;
    }

    @Override
    public Room connect() throws RoomException, InterruptedException {
        synchronized (roomLock) {
            if (room != null) {
                return room;
            }
            if (isEnding()) {
                throw new RoomException("the session is ending (" + endReason.get() + "); not joining the room");
            }
            RoomTokens.requireRoom(token, job.roomName());
            room = rooms.connect(url, token, "job-" + job.id(), null,
                    () -> endRequester.accept(EndReason.CALLER_LEFT),
                    (lost, why) -> {
                        if (lost) {
                            roomLostError = "room connection lost: " + why;
                        }
                        endRequester.accept(EndReason.ROOM_CLOSED);
                    });
            room.onFirstAudio(onFirstAudio);
            onJoined.run();
            if (isEnding()) {
                room.endStreams();
            }
            return room;
        }
    }

    @Override
    public Optional<Room> room() {
        return Optional.ofNullable(room);
    }

    /** Set when the room connection was lost (the session then failed). */
    Optional<String> roomLostError() {
        return Optional.ofNullable(roomLostError);
    }

    /** Leaves the room, if joined, and frees its media. */
    void closeRoom(String reason) {
        SessionRoom r;
        synchronized (roomLock) {
            r = room;
        }
        if (r != null) {
            r.close(reason);
        }
    }

    /** The MDC keys of this session's log lines. */
    SessionLogContext logContext() {
        return logContext;
    }

    @Override
    public String profile() {
        return profile;
    }

    @Override
    public Optional<Instant> drainDeadline() {
        return Optional.ofNullable(drainDeadline);
    }

    @Override
    public void addDrainListener(DrainListener listener) {
        drainListeners.add(listener);
        Instant deadline = drainDeadline;
        if (deadline != null) {
            notify(listener, "onDraining", () -> listener.onDraining(deadline));
            if (wrapUpSent) {
                notify(listener, "onWrapUp", () -> listener.onWrapUp(deadline));
            }
        }
    }

    void draining(Instant deadline) {
        drainDeadline = deadline;
        for (DrainListener l : drainListeners) {
            notify(l, "onDraining", () -> l.onDraining(deadline));
        }
    }

    void wrapUp(Instant deadline) {
        wrapUpSent = true;
        for (DrainListener l : drainListeners) {
            notify(l, "onWrapUp", () -> l.onWrapUp(deadline));
        }
    }

    /** Each notice on its own virtual thread: a slow listener holds up neither the timer nor the others. */
    private void notify(DrainListener listener, String what, Runnable call) {
        Thread.ofVirtual().name("drain-" + job.id()).start(logContext.wrap(() -> {
            try {
                call.run();
            } catch (RuntimeException e) {
                log.warn("A drain listener's {} threw for job {}", what, job.id(), e);
            }
        }));
    }

    @Override
    public JobInfo job() {
        return job;
    }

    @Override
    public String participantIdentity() {
        return identity;
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public String token() {
        return token;
    }

    @Override
    public void addShutdownCallback(Consumer<EndReason> callback) {
        callbacks.add(callback);
    }

    @Override
    public Optional<EndReason> endReason() {
        return Optional.ofNullable(endReason.get());
    }

    @Override
    public void awaitEnd() throws InterruptedException {
        endRequested.await();
    }

    @Override
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return endRequested.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Asks the session to end; the first reason wins. Returns true for the first request. */
    boolean requestEnd(EndReason reason) {
        boolean first = endReason.compareAndSet(null, reason);
        endRequested.countDown();
        SessionRoom r = room;
        if (first && r != null) {
            // Unblock a handler waiting in AudioStream.read(); its voice still plays.
            r.endStreams();
        }
        return first;
    }

    /** Records how it ended if nobody asked it to (handler returned or threw). */
    EndReason settle(EndReason fallback) {
        endReason.compareAndSet(null, fallback);
        endRequested.countDown();
        return endReason.get();
    }

    void runCallbacks(EndReason reason) {
        for (Consumer<EndReason> cb : callbacks) {
            try {
                cb.accept(reason);
            } catch (RuntimeException e) {
                log.warn("A shutdown callback of job {} threw; the others still run", job.id(), e);
            }
        }
    }

    void attach(Thread t) {
        thread = t;
    }

    Thread thread() {
        return thread;
    }

    void markFinished() {
        finished.countDown();
    }

    boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    boolean isFinished() {
        return finished.getCount() == 0;
    }
}
