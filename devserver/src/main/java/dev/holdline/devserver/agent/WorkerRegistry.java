package dev.holdline.devserver.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import livekit.LivekitAgent.JobType;

/**
 * Every worker that registered since the server started, by id, in registration order. Workers
 * whose socket closed stay here (marked disconnected) so tests can still inspect them.
 */
final class WorkerRegistry {
    private final Map<String, Worker> workersById = new LinkedHashMap<>();
    /** Fault injection: offer to workers whatever status they last reported. */
    private volatile boolean ignoreReportedStatus;

    void ignoreReportedStatus(boolean ignore) {
        this.ignoreReportedStatus = ignore;
    }

    synchronized void add(Worker worker) {
        workersById.put(worker.id(), worker);
    }

    synchronized Optional<Worker> find(String workerId) {
        return Optional.ofNullable(workersById.get(workerId));
    }

    /** Connected workers that may be offered a job of this agent name and type, minus those already tried. */
    synchronized List<Worker> offerCandidates(String agentName, JobType type, Set<String> excludedIds) {
        List<Worker> candidates = new ArrayList<>();
        for (Worker worker : workersById.values()) {
            if (!excludedIds.contains(worker.id()) && worker.canBeOffered(agentName, type, ignoreReportedStatus)) {
                candidates.add(worker);
            }
        }
        return candidates;
    }

    synchronized List<WorkerView> views() {
        List<WorkerView> views = new ArrayList<>(workersById.size());
        for (Worker worker : workersById.values()) {
            views.add(worker.view());
        }
        return views;
    }
}
