package dev.holdline.devserver.agent;

import dev.holdline.devserver.ids.LiveKitIds;
import dev.holdline.devserver.room.RoomRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import livekit.LivekitAgent.Job;
import livekit.LivekitAgent.JobState;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.JobType;
import livekit.LivekitAgentDispatch.AgentDispatch;
import livekit.LivekitAgentDispatch.AgentDispatchState;
import livekit.LivekitAgentDispatch.RoomAgentDispatch;
import livekit.LivekitModels.Room;
import livekit.LivekitRoom.CreateRoomRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent dispatches and the room operations that affect them: the domain behind LiveKit's
 * AgentDispatchService and the agent-related part of RoomService. Each dispatch of a room job
 * creates exactly one job; deleting the dispatch, or its room, terminates that job.
 *
 * <p>Thread-safe. Methods hold this object's lock only for bookkeeping; the job work itself is
 * handed to the {@link JobDispatcher}, so nothing here waits on a worker.
 */
public final class DispatchService {
    private static final Logger log = LoggerFactory.getLogger(DispatchService.class);

    private final RoomRegistry rooms;
    private final JobDispatcher jobs;
    private final Clock clock;

    /** Dispatches by id, in creation order; the stored protos carry no jobs (those live in the dispatcher). */
    private final Map<String, StoredDispatch> dispatchesById = new LinkedHashMap<>();

    private record StoredDispatch(AgentDispatch dispatch, String jobId) {}

    DispatchService(RoomRegistry rooms, JobDispatcher jobs, Clock clock) {
        this.rooms = rooms;
        this.jobs = jobs;
        this.clock = clock;
    }

    /**
     * Creates a dispatch of {@code agentName} to {@code room} (creating the room if needed) and
     * starts offering its job to workers.
     *
     * @return the dispatch, its state listing the new (pending) job
     */
    public AgentDispatch create(String roomName, String agentName, String metadata) {
        requireText(roomName, "room");
        Objects.requireNonNull(agentName, "agentName");
        metadata = metadata == null ? "" : metadata;

        Room room = rooms.getOrCreate(roomName);
        String dispatchId = LiveKitIds.newId(LiveKitIds.DISPATCH);
        Job job = Job.newBuilder()
                .setId(LiveKitIds.newId(LiveKitIds.JOB))
                .setDispatchId(dispatchId)
                .setType(JobType.JT_ROOM)
                .setRoom(room)
                .setAgentName(agentName)
                .setMetadata(metadata)
                .setState(JobState.newBuilder().setStatus(JobStatus.JS_PENDING).setUpdatedAt(nowNanos()))
                .build();
        AgentDispatch dispatch = AgentDispatch.newBuilder()
                .setId(dispatchId)
                .setAgentName(agentName)
                .setRoom(roomName)
                .setMetadata(metadata)
                .setState(AgentDispatchState.newBuilder().setCreatedAt(nowNanos()))
                .build();
        synchronized (this) {
            dispatchesById.put(dispatchId, new StoredDispatch(dispatch, job.getId()));
        }
        log.info("dispatch {} created: agent '{}' to room '{}' (job {})", dispatchId, agentName, roomName, job.getId());
        jobs.start(job);
        return withJob(dispatch, job);
    }

    /** Dispatches in {@code room}, optionally only the one with {@code dispatchId} (empty = all). */
    public List<AgentDispatch> list(String roomName, String dispatchId) {
        List<StoredDispatch> matching = new ArrayList<>();
        synchronized (this) {
            for (StoredDispatch stored : dispatchesById.values()) {
                if (stored.dispatch().getRoom().equals(roomName)
                        && (dispatchId == null || dispatchId.isEmpty() || stored.dispatch().getId().equals(dispatchId))) {
                    matching.add(stored);
                }
            }
        }
        List<AgentDispatch> result = new ArrayList<>(matching.size());
        for (StoredDispatch stored : matching) {
            result.add(current(stored));
        }
        return result;
    }

    /**
     * Deletes a dispatch and terminates its job.
     *
     * @return the deleted dispatch (with {@code deleted_at}), or empty if no such dispatch is in that room
     */
    public Optional<AgentDispatch> delete(String dispatchId, String roomName) {
        StoredDispatch stored;
        synchronized (this) {
            stored = dispatchesById.get(dispatchId);
            if (stored == null || !stored.dispatch().getRoom().equals(roomName)) {
                return Optional.empty();
            }
            dispatchesById.remove(dispatchId);
        }
        log.info("dispatch {} deleted from room '{}'", dispatchId, roomName);
        jobs.terminate(stored.jobId(), "dispatch " + dispatchId + " deleted");
        AgentDispatch deleted = current(stored);
        return Optional.of(deleted.toBuilder()
                .setState(deleted.getState().toBuilder().setDeletedAt(nowNanos()))
                .build());
    }

    /**
     * Creates a room (or returns the existing one, as LiveKit does). A newly created room gets a
     * dispatch for each agent the request lists.
     */
    public Room createRoom(CreateRoomRequest request) {
        requireText(request.getName(), "name");
        RoomRegistry.Lookup lookup = rooms.getOrCreate(request);
        if (lookup.created()) {
            log.info("room '{}' created ({})", lookup.room().getName(), lookup.room().getSid());
            for (RoomAgentDispatch agent : request.getAgentsList()) {
                create(request.getName(), agent.getAgentName(), agent.getMetadata());
            }
        }
        return lookup.room();
    }

    /**
     * Deletes a room and all its dispatches, terminating their jobs.
     *
     * @return false if there was no such room
     */
    public boolean deleteRoom(String roomName) {
        List<StoredDispatch> removed = new ArrayList<>();
        synchronized (this) {
            Iterator<StoredDispatch> it = dispatchesById.values().iterator();
            while (it.hasNext()) {
                StoredDispatch stored = it.next();
                if (stored.dispatch().getRoom().equals(roomName)) {
                    removed.add(stored);
                    it.remove();
                }
            }
        }
        boolean existed = rooms.remove(roomName).isPresent();
        for (StoredDispatch stored : removed) {
            jobs.terminate(stored.jobId(), "room '" + roomName + "' deleted");
        }
        if (existed) {
            log.info("room '{}' deleted with {} dispatch(es)", roomName, removed.size());
        }
        return existed || !removed.isEmpty();
    }

    private AgentDispatch current(StoredDispatch stored) {
        return jobs.job(stored.jobId())
                .map(job -> withJob(stored.dispatch(), job))
                .orElse(stored.dispatch());
    }

    private static AgentDispatch withJob(AgentDispatch dispatch, Job job) {
        return dispatch.toBuilder()
                .setState(dispatch.getState().toBuilder().clearJobs().addJobs(job))
                .build();
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
