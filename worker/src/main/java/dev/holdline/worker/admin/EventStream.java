package dev.holdline.worker.admin;

import dev.holdline.worker.admin.v1.Event;
import dev.holdline.worker.telemetry.EventHub;
import dev.holdline.worker.telemetry.WorkerEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * One {@code WatchEvents} call: events queue here and go out as fast as the client reads them
 * (gRPC flow control). A watcher {@link #MAX_BEHIND} events behind is dropped with
 * {@code RESOURCE_EXHAUSTED}: the worker never waits for a slow reader.
 */
final class EventStream implements EventHub.Watcher {
    static final int MAX_BEHIND = 1024;

    private final ServerCallStreamObserver<Event> out;
    private final Queue<Event> queue = new ArrayDeque<>();
    private boolean closing;
    private boolean done;
    private Runnable unsubscribe = () -> { };

    EventStream(ServerCallStreamObserver<Event> out) {
        this.out = out;
        out.setOnReadyHandler(this::pump);
        out.setOnCancelHandler(this::cancelled);
    }

    /** Subscribes to {@code hub}, snapshot first. */
    void start(EventHub hub, java.util.function.Supplier<WorkerEvent> snapshot) {
        Runnable cancel = hub.subscribe(this, snapshot);
        boolean cancelledMeanwhile;
        synchronized (this) {
            cancelledMeanwhile = done;
            unsubscribe = cancel;
        }
        if (cancelledMeanwhile) {
            cancel.run();
        }
    }

    /** Called by the hub, under its lock (so the unsubscribe below re-enters it; lock order: hub, then this). */
    @Override
    public synchronized void onEvent(WorkerEvent event) {
        if (done) {
            return;
        }
        if (queue.size() >= MAX_BEHIND) {
            done = true;
            queue.clear();
            unsubscribe.run();
            out.onError(Status.RESOURCE_EXHAUSTED
                    .withDescription("this watcher fell " + MAX_BEHIND + " events behind; watch again").asRuntimeException());
            return;
        }
        queue.add(AdminProtos.event(event));
        pump();
    }

    @Override
    public synchronized void onClosed() {
        closing = true;
        pump();
    }

    private synchronized void pump() {
        while (!done && !queue.isEmpty() && out.isReady()) {
            out.onNext(queue.poll());
        }
        if (closing && !done && queue.isEmpty()) {
            done = true;
            out.onCompleted();
        }
    }

    private void cancelled() {
        Runnable u;
        synchronized (this) {
            done = true;
            queue.clear();
            u = unsubscribe;
        }
        u.run(); // outside this lock: the hub's lock comes first
    }
}
