package dev.holdline.scheduler.hosts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Which session host runs which session: pure policy, no processes (the worker starts and stops
 * the JVMs it is told to). Thread-safe; every method is short and synchronized.
 *
 * <ul>
 *   <li>Placement: among ready hosts that take sessions and have room, the least loaded; ties go
 *       to the host that has served most, so busy hosts fill and recycle while idle ones stay
 *       warm. Failing that a starting host with room (the session waits for it), failing that a
 *       new host.</li>
 *   <li>Warm reserve: at least {@link HostPolicy#warmHosts()} started hosts with room that take
 *       sessions, except while draining ({@link #hostsToStart()}).</li>
 *   <li>Recycling: a host given {@link HostPolicy#recycleAfter()} sessions, or reporting more
 *       resident memory than {@link HostPolicy#memoryLimitBytes()}, retires: no new sessions, and
 *       it should exit once its last session has ended.</li>
 *   <li>Reaping: a host silent past the heartbeat timeout (or not ready past the start timeout)
 *       is {@link #unresponsive}; a host that is gone gives back the sessions it held
 *       ({@link #gone}), which the caller reports failed.</li>
 * </ul>
 */
public final class HostPool {

    /** Where a host is in its life. */
    public enum State {
        /** Process started, not attached yet. */
        STARTING,
        /** Attached and taking sessions. */
        READY,
        /** Takes no new sessions; exits once its sessions have ended. */
        RETIRING
    }

    /** What the pool knows of one host, as a snapshot. */
    public record HostInfo(int id, State state, int active, int served, long rssBytes, Set<String> jobs,
                           String retireReason) {
    }

    /** Where a session goes. {@code newHost}: the caller must start host {@code hostId} now. */
    public record Placement(int hostId, boolean newHost) {
    }

    private static final class Host {
        final int id;
        State state = State.STARTING;
        final Set<String> jobs = new LinkedHashSet<>();
        int served;
        long rssBytes;
        long lastSeenNanos;
        String retireReason = "";

        Host(int id, long now) {
            this.id = id;
            this.lastSeenNanos = now;
        }

        HostInfo info() {
            return new HostInfo(id, state, jobs.size(), served, rssBytes, Set.copyOf(jobs), retireReason);
        }
    }

    private final HostPolicy policy;
    private final LongSupplier nanoClock;
    private final Map<Integer, Host> hosts = new TreeMap<>();
    private int nextId = 1;
    private boolean draining;

    /** @param nanoClock monotonic clock (tests own it) */
    public HostPool(HostPolicy policy, LongSupplier nanoClock) {
        this.policy = policy;
        this.nanoClock = nanoClock;
    }

    public HostPolicy policy() {
        return policy;
    }

    /** Places {@code jobId}; the host counts it as served at once. */
    public synchronized Placement place(String jobId) {
        Comparator<Host> order = Comparator.<Host>comparingInt(h -> h.jobs.size())
                .thenComparing(Comparator.<Host>comparingInt(h -> h.served).reversed())
                .thenComparingInt(h -> h.id);
        Optional<Host> chosen = hosts.values().stream().filter(h -> h.state == State.READY && hasRoom(h)).min(order);
        if (chosen.isEmpty()) {
            chosen = hosts.values().stream().filter(h -> h.state == State.STARTING && hasRoom(h)).min(order);
        }
        boolean fresh = chosen.isEmpty();
        Host host = chosen.orElseGet(this::newHost);
        host.jobs.add(jobId);
        host.served++;
        if (host.served >= policy.recycleAfter()) {
            retire(host, "served " + host.served + " sessions (recycle after " + policy.recycleAfter() + ")");
        }
        return new Placement(host.id, fresh);
    }

    private boolean hasRoom(Host h) {
        return h.jobs.size() < policy.sessionsPerHost();
    }

    private Host newHost() {
        Host h = new Host(nextId++, nanoClock.getAsLong());
        hosts.put(h.id, h);
        return h;
    }

    /**
     * Hosts to start now to keep the warm reserve; each is registered as {@link State#STARTING}.
     * None while draining.
     */
    public synchronized List<Integer> hostsToStart() {
        List<Integer> ids = new ArrayList<>();
        if (draining) {
            return ids;
        }
        long warm = hosts.values().stream().filter(h -> h.state != State.RETIRING && hasRoom(h)).count();
        for (long i = warm; i < policy.warmHosts(); i++) {
            ids.add(newHost().id);
        }
        return ids;
    }

    /** The host attached. */
    public synchronized void ready(int hostId) {
        Host h = hosts.get(hostId);
        if (h != null) {
            h.lastSeenNanos = nanoClock.getAsLong();
            if (h.state == State.STARTING) {
                h.state = State.READY;
            }
        }
    }

    /**
     * A heartbeat. Returns true when the host has just retired (memory limit, or it said it takes
     * no more sessions) and holds no session, i.e. it should exit now.
     */
    public synchronized boolean heartbeat(int hostId, long rssBytes, boolean accepting) {
        Host h = hosts.get(hostId);
        if (h == null) {
            return false;
        }
        h.lastSeenNanos = nanoClock.getAsLong();
        h.rssBytes = rssBytes;
        if (h.state == State.RETIRING) {
            return false;
        }
        if (rssBytes > policy.memoryLimitBytes()) {
            retire(h, "resident memory " + rssBytes / (1024 * 1024) + " MB passed the limit of "
                    + policy.memoryLimitBytes() / (1024 * 1024) + " MB");
        } else if (!accepting) {
            retire(h, "it gave up a session whose handler did not return");
        }
        return h.state == State.RETIRING && h.jobs.isEmpty();
    }

    /**
     * Takes the host out of placement with {@code reason}. Returns true when it holds no session
     * (it should exit now).
     */
    public synchronized boolean retire(int hostId, String reason) {
        Host h = hosts.get(hostId);
        if (h == null) {
            return false;
        }
        if (h.state != State.RETIRING) {
            retire(h, reason);
        }
        return h.jobs.isEmpty();
    }

    private static void retire(Host h, String reason) {
        h.state = State.RETIRING;
        h.retireReason = reason;
    }

    /**
     * A session ended on its host. Returns true when that host is retiring and now empty: it
     * should exit.
     */
    public synchronized boolean sessionEnded(int hostId, String jobId) {
        Host h = hosts.get(hostId);
        if (h == null || !h.jobs.remove(jobId)) {
            return false;
        }
        return h.state == State.RETIRING && h.jobs.isEmpty();
    }

    /** The host is gone (exited, killed). Returns the sessions it still held, which are lost. */
    public synchronized Set<String> gone(int hostId) {
        Host h = hosts.remove(hostId);
        return h == null ? Set.of() : Set.copyOf(h.jobs);
    }

    /** Hosts silent past the heartbeat timeout, or not ready past the start timeout. */
    public synchronized List<Integer> unresponsive() {
        long now = nanoClock.getAsLong();
        List<Integer> ids = new ArrayList<>();
        for (Host h : hosts.values()) {
            long limit = (h.state == State.STARTING ? policy.startTimeout() : policy.heartbeatTimeout()).toNanos();
            if (now - h.lastSeenNanos > limit) {
                ids.add(h.id);
            }
        }
        return ids;
    }

    /**
     * The worker drains: no warm hosts any more, every host retires. Returns the hosts that hold
     * no session and should exit now; the others exit when their last session ends.
     */
    public synchronized List<Integer> drain() {
        draining = true;
        List<Integer> idle = new ArrayList<>();
        for (Host h : hosts.values()) {
            if (h.state != State.RETIRING) {
                retire(h, "the worker is draining");
            }
            if (h.jobs.isEmpty()) {
                idle.add(h.id);
            }
        }
        return idle;
    }

    /** The host of a session, if it is placed. */
    public synchronized Optional<Integer> hostOf(String jobId) {
        return hosts.values().stream().filter(h -> h.jobs.contains(jobId)).map(h -> h.id).findFirst();
    }

    /** Every host the pool knows, by id. */
    public synchronized List<HostInfo> hosts() {
        return hosts.values().stream().map(Host::info).toList();
    }

    public synchronized Optional<HostInfo> host(int hostId) {
        return Optional.ofNullable(hosts.get(hostId)).map(Host::info);
    }
}
