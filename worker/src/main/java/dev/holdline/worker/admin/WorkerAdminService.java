package dev.holdline.worker.admin;

import dev.holdline.worker.admin.v1.DrainRequest;
import dev.holdline.worker.admin.v1.DrainResponse;
import dev.holdline.worker.admin.v1.Event;
import dev.holdline.worker.admin.v1.ListSessionsRequest;
import dev.holdline.worker.admin.v1.ListSessionsResponse;
import dev.holdline.worker.admin.v1.StatusRequest;
import dev.holdline.worker.admin.v1.StatusResponse;
import dev.holdline.worker.admin.v1.WatchEventsRequest;
import dev.holdline.worker.admin.v1.WorkerAdminGrpc;
import dev.holdline.worker.telemetry.Telemetry;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;

/** {@code holdline.admin.v1.WorkerAdmin}: reads go to the worker's telemetry, {@code Drain} to its drain. */
final class WorkerAdminService extends WorkerAdminGrpc.WorkerAdminImplBase {
    /** A caller's reason goes into log lines: bounded and on one line. */
    static final int MAX_REASON_CHARS = 200;

    private final Telemetry telemetry;
    private final AdminServer.Drainer drainer;

    WorkerAdminService(Telemetry telemetry, AdminServer.Drainer drainer) {
        this.telemetry = telemetry;
        this.drainer = drainer;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> response) {
        response.onNext(AdminProtos.status(telemetry.view()));
        response.onCompleted();
    }

    @Override
    public void drain(DrainRequest request, StreamObserver<DrainResponse> response) {
        Duration cap = null;
        if (request.hasDeadline()) {
            cap = AdminProtos.duration(request.getDeadline());
            if (cap.isNegative()) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("deadline must be zero or positive, was " + cap)
                        .asRuntimeException());
                return;
            }
        }
        String reason = reason(request.getReason());
        boolean started = drainer.drain(reason.isEmpty() ? "admin API" : "admin API: " + reason, cap);
        var view = telemetry.view();
        DrainResponse.Builder b = DrainResponse.newBuilder().setStarted(started)
                .setState(AdminProtos.state(view.state())).setActiveSessions(view.activeSessions());
        view.drainLimit().ifPresent(l -> b.setLimit(AdminProtos.duration(l)));
        response.onNext(b.build());
        response.onCompleted();
    }

    @Override
    public void listSessions(ListSessionsRequest request, StreamObserver<ListSessionsResponse> response) {
        ListSessionsResponse.Builder b = ListSessionsResponse.newBuilder();
        telemetry.sessions().forEach(s -> b.addSessions(AdminProtos.session(s)));
        response.onNext(b.build());
        response.onCompleted();
    }

    @Override
    public void watchEvents(WatchEventsRequest request, StreamObserver<Event> response) {
        new EventStream((ServerCallStreamObserver<Event>) response).start(telemetry.events(), telemetry::snapshot);
    }

    /** One line, printable, at most {@link #MAX_REASON_CHARS}. */
    static String reason(String raw) {
        String oneLine = Optional.ofNullable(raw).orElse("").replaceAll("\\p{Cntrl}", " ").strip();
        return oneLine.length() <= MAX_REASON_CHARS ? oneLine : oneLine.substring(0, MAX_REASON_CHARS) + "…";
    }
}
