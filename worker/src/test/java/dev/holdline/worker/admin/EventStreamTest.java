package dev.holdline.worker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.lifecycle.LifecycleState;
import dev.holdline.worker.admin.v1.Event;
import dev.holdline.worker.protocol.AgentConnection;
import dev.holdline.worker.telemetry.EventHub;
import dev.holdline.worker.telemetry.WorkerEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A watcher's queue: ordered delivery as the client reads, and a slow watcher dropped rather than waited for. */
class EventStreamTest {

    /** The server side of a call whose client reads only when the test says so. */
    static final class Client extends ServerCallStreamObserver<Event> {
        final List<Event> received = new ArrayList<>();
        Throwable error;
        boolean completed;
        boolean ready;
        Runnable onReady = () -> { };
        Runnable onCancel = () -> { };

        void becomeReady() {
            ready = true;
            onReady.run();
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
            onReady = handler;
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
            onCancel = handler;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onNext(Event value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }

    private static WorkerEvent lifecycle(int i) {
        return new WorkerEvent.LifecycleChanged(Instant.ofEpochSecond(i), LifecycleState.READY, LifecycleState.READY, "e" + i);
    }

    private static WorkerEvent snapshot() {
        return new WorkerEvent.Snapshot(Instant.EPOCH, LifecycleState.READY, AgentConnection.State.REGISTERED, List.of());
    }

    @Test
    void eventsWaitForTheClientAndArriveInOrderThenTheStreamCompletes() {
        EventHub hub = new EventHub();
        Client client = new Client();
        new EventStream(client).start(hub, EventStreamTest::snapshot);
        for (int i = 0; i < 10; i++) {
            hub.publish(lifecycle(i));
        }
        assertTrue(client.received.isEmpty(), "not ready: nothing sent");
        client.becomeReady();
        assertEquals(11, client.received.size());
        assertTrue(client.received.getFirst().hasSnapshot());
        assertEquals("e9", client.received.getLast().getLifecycle().getReason());
        hub.close();
        assertTrue(client.completed);
    }

    @Test
    void aWatcherTooFarBehindIsDroppedWithResourceExhausted() {
        EventHub hub = new EventHub();
        Client client = new Client();
        new EventStream(client).start(hub, EventStreamTest::snapshot);
        for (int i = 0; i < EventStream.MAX_BEHIND + 5; i++) {
            hub.publish(lifecycle(i));
        }
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(client.error).getCode());
        assertEquals(0, hub.watchers(), "unsubscribed");
        client.becomeReady();
        assertTrue(client.received.isEmpty(), "nothing more after the error");
        assertFalse(client.completed);
    }

    @Test
    void aCancelledCallUnsubscribes() {
        EventHub hub = new EventHub();
        Client client = new Client();
        new EventStream(client).start(hub, EventStreamTest::snapshot);
        assertEquals(1, hub.watchers());
        client.onCancel.run();
        assertEquals(0, hub.watchers());
    }
}
