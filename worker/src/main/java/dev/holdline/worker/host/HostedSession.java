package dev.holdline.worker.host;

import dev.holdline.worker.handler.DrainListener;
import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.JobInfo;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.logging.SessionLogContext;
import dev.holdline.worker.room.Room;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A session running in a host, as the supervisor sees it (metrics, the admin API's list). The
 * handler itself gets the host's real session; what only the host can do is refused here.
 */
final class HostedSession implements Session {
    final SessionLogContext context;
    final int hostId;
    final long assignedNanos = System.nanoTime();
    private final JobInfo job;
    private final String identity;
    private final String profile;
    private final String url;
    private final AtomicReference<EndReason> endReason = new AtomicReference<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Instant drainDeadline;
    /** Guarded by this: whether StartSession went out (drain notices before it ride along in it). */
    private boolean startSent;
    private boolean started;

    HostedSession(JobInfo job, String identity, String url, String profile, SessionLogContext context, int hostId) {
        this.job = job;
        this.identity = identity;
        this.url = url;
        this.profile = profile;
        this.context = context;
        this.hostId = hostId;
    }

    /** Records the deadline; true when the host must be told now (its StartSession has gone out). */
    synchronized boolean draining(Instant deadline) {
        drainDeadline = deadline;
        return startSent;
    }

    /** Marks StartSession as sent; returns the deadline it must carry, if the drain came first. */
    synchronized Optional<Instant> startSent() {
        startSent = true;
        return Optional.ofNullable(drainDeadline);
    }

    /** True the first time: the host said the handler runs. */
    synchronized boolean markStarted() {
        boolean first = !started;
        started = true;
        return first;
    }

    synchronized boolean wasStarted() {
        return started;
    }

    boolean requestEnd(EndReason reason) {
        return endReason.compareAndSet(null, reason);
    }

    void markEnded(EndReason reason) {
        endReason.compareAndSet(null, reason);
        ended.countDown();
    }

    boolean awaitEnded(long nanos) throws InterruptedException {
        return ended.await(nanos, TimeUnit.NANOSECONDS);
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
    public String profile() {
        return profile;
    }

    @Override
    public Optional<Instant> drainDeadline() {
        return Optional.ofNullable(drainDeadline);
    }

    @Override
    public void addDrainListener(DrainListener listener) {
        throw new UnsupportedOperationException("this session runs in session host " + hostId);
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public String token() {
        throw new UnsupportedOperationException("the room token is the session host's; the supervisor keeps no copy");
    }

    @Override
    public Room connect() {
        throw new UnsupportedOperationException("this session runs in session host " + hostId);
    }

    @Override
    public Optional<Room> room() {
        return Optional.empty();
    }

    @Override
    public void addShutdownCallback(Consumer<EndReason> callback) {
        throw new UnsupportedOperationException("this session runs in session host " + hostId);
    }

    @Override
    public Optional<EndReason> endReason() {
        return Optional.ofNullable(endReason.get());
    }

    @Override
    public void awaitEnd() throws InterruptedException {
        ended.await();
    }

    @Override
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
