package dev.holdline.worker.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.scheduler.hosts.HostPool;
import dev.holdline.worker.NoLeakedThreads;
import dev.holdline.worker.ProcessStats;
import dev.holdline.worker.Worker;
import io.livekit.server.AgentDispatchServiceClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import livekit.LivekitAgent.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Session hosts with real child JVMs: crash isolation, recycling, hung handlers. The worker
 * (supervisor) runs in this JVM; its hosts are children started from the test classpath.
 */
@ExtendWith(NoLeakedThreads.class)
class SessionHostsTest {
    static final String KEY = "devkey";
    static final String SECRET = "test-secret-0123456789abcdef";

    private final DevServer server = DevServer.builder().port(0).key(KEY, SECRET).build().start();
    private final List<Worker> workers = new ArrayList<>();
    private final List<Long> hostPids = new ArrayList<>();

    @AfterEach
    void tearDown() {
        workers.forEach(Worker::close);
        server.close();
        // No host may outlive its worker.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                hostPids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    }

    private Worker start(HostOptions hosts) throws Exception {
        Worker w = Worker.builder().env(Map.of())
                .url(server.httpUrl()).apiKey(KEY).apiSecret(SECRET)
                .agentName("hosted").handlerClass(ScriptedHandler.class).sessionHosts(hosts)
                .healthHost("127.0.0.1").healthPort(0)
                .statusInterval(Duration.ofMillis(200))
                .loadThreshold(Double.POSITIVE_INFINITY)
                .terminationGrace(Duration.ofSeconds(1))
                .build();
        workers.add(w);
        w.start();
        assertTrue(w.awaitRegistered(Duration.ofSeconds(10)), "registered");
        return w;
    }

    static HostOptions.Builder hosts() {
        // Generous start timeout: on a busy 2-core machine a host JVM has been seen to take 8 s.
        return HostOptions.builder().heartbeat(Duration.ofMillis(250), Duration.ofSeconds(5)).startTimeout(Duration.ofSeconds(60));
    }

    private void trackPids(Worker w) {
        for (var h : w.sessionHosts()) {
            if (h.pid() > 0 && !hostPids.contains(h.pid())) {
                hostPids.add(h.pid());
            }
        }
    }

    private String dispatch(String room, String metadata) throws Exception {
        var r = AgentDispatchServiceClient.createClient(server.httpUrl(), KEY, SECRET)
                .createDispatch(room, "hosted", metadata).execute();
        assertTrue(r.isSuccessful(), "dispatch created");
        return room;
    }

    private Optional<JobView> job(String room) {
        return server.jobs().stream().filter(j -> j.room().equals(room)).findFirst();
    }

    private JobStatus status(String room) {
        return job(room).map(JobView::status).orElse(null);
    }

    private void awaitStatus(String room, JobStatus status) {
        await().atMost(Duration.ofSeconds(30)).until(() -> status(room) == status);
    }

    private static Optional<HostedSessions.HostView> idleReadyHost(Worker w, Set<Integer> except) {
        return w.sessionHosts().stream().filter(h -> h.state() == HostPool.State.READY && h.active() == 0
                && !except.contains(h.id())).findFirst();
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
    }

    @Test
    void aHostThatCrashesCostsOnlyItsOwnCallsAndAWarmHostIsReadyAgainSoon() throws Exception {
        Worker w = start(hosts().sessionsPerHost(1).recycleAfter(10).build());
        dispatch("room-a", "hold");
        dispatch("room-b", "hold");
        awaitStatus("room-a", JobStatus.JS_RUNNING);
        awaitStatus("room-b", JobStatus.JS_RUNNING);
        // A ready idle host for the crashing call, so the crash is all we time.
        await().atMost(Duration.ofSeconds(30)).until(() -> idleReadyHost(w, Set.of()).isPresent());
        trackPids(w);
        Map<Integer, Long> before = w.sessionHosts().stream()
                .collect(Collectors.toMap(HostedSessions.HostView::id, HostedSessions.HostView::pid));

        dispatch("room-crash", "halt");
        await().atMost(Duration.ofSeconds(30)).until(() -> status("room-crash") == JobStatus.JS_FAILED);
        long failedAt = System.nanoTime();
        String error = job("room-crash").orElseThrow().error();
        System.out.println("Crashed call reported: JS_FAILED '" + error + "'");
        assertTrue(error.matches("session host \\d+ exited with code 134 \\(SIGABRT: crashed\\)"), error);

        // A warm host (idle, attached) is there again. The replacement was started when the crashing
        // call took the last warm host, so this is a JVM start minus the call's life: about 1 s on
        // an idle machine (the 2 s target), but 3-8 s were seen here with two other builds on 2
        // cores, so the bound asserted is looser than the target; the time is printed.
        Set<Integer> old = before.keySet();
        await().atMost(Duration.ofSeconds(15)).until(() -> idleReadyHost(w, Set.of()).isPresent());
        System.out.printf("Warm host ready %d ms after the crash was reported (target: 2000 ms)%n",
                (System.nanoTime() - failedAt) / 1_000_000);
        trackPids(w);

        // The other calls run on, in their own hosts.
        assertEquals(JobStatus.JS_RUNNING, status("room-a"));
        assertEquals(JobStatus.JS_RUNNING, status("room-b"));
        assertEquals(2, w.activeSessions());
        assertEquals(2, w.sessionHosts().stream().filter(h -> h.active() == 1).count());
        assertTrue(old.containsAll(w.sessionHosts().stream().filter(h -> h.active() == 1)
                .map(HostedSessions.HostView::id).toList()), "the running calls stayed on their hosts");

        // And a new call still works.
        dispatch("room-after", "quick");
        awaitStatus("room-after", JobStatus.JS_SUCCESS);
    }

    @Test
    void hostsAreRecycledAfterNSessionsAndTheSupervisorStaysFlat() throws Exception {
        Worker w = start(hosts().sessionsPerHost(1).recycleAfter(5).build());
        await().atMost(Duration.ofSeconds(30)).until(() -> idleReadyHost(w, Set.of()).isPresent());
        Map<Long, Integer> sessionsByPid = new HashMap<>();
        int threadsBefore = 0;
        long rssBefore = 0;
        Set<String> namesBefore = Set.of();
        for (int i = 1; i <= 20; i++) {
            String room = dispatch("recycle-" + i, "quick");
            awaitStatus(room, JobStatus.JS_SUCCESS);
            trackPids(w);
            if (i == 6) {
                // After the first recycling: classes loaded, gRPC warm, one host gone and replaced.
                threadsBefore = ProcessStats.osThreads();
                rssBefore = ProcessStats.rssMb();
                namesBefore = threadNames();
            }
        }
        // Which host ran each session: the host's own log line names its pid, and the pool says
        // how many each host was given.
        await().atMost(Duration.ofSeconds(10)).until(() -> w.sessionHosts().stream().allMatch(h -> h.served() == 0));
        trackPids(w);
        int threadsAfter = ProcessStats.osThreads();
        long rssAfter = ProcessStats.rssMb();
        Set<String> namesAfter = threadNames();
        Set<String> earlier = namesBefore;
        System.out.println("Java threads new since session 6: " + namesAfter.stream().filter(n -> !earlier.contains(n)).toList());
        System.out.printf("Supervisor after 6 sessions: %d OS threads, %d MB RSS; after 20 on recycled hosts: %d threads, %d MB%n",
                threadsBefore, rssBefore, threadsAfter, rssAfter);
        System.out.println("Host processes started: " + hostPids.size());
        // 20 sessions, 5 per host: 4 hosts served them, one more is the warm one now.
        assertEquals(5, hostPids.size(), "hosts started: " + hostPids);
        assertTrue(threadsAfter <= threadsBefore + 6, "supervisor threads " + threadsBefore + " -> " + threadsAfter);
        assertTrue(rssAfter <= rssBefore + 40, "supervisor RSS " + rssBefore + " -> " + rssAfter + " MB");
    }

    @Test
    void aHandlerThatIgnoresItsEndIsGivenUpByItsHostWhichThenRetires() throws Exception {
        Worker w = start(hosts().sessionsPerHost(2).recycleAfter(10).build());
        String dispatchId = server.createDispatch("room-stuck", "hosted", "stuck").getId();
        awaitStatus("room-stuck", JobStatus.JS_RUNNING);
        trackPids(w);
        int hostId = w.sessionHosts().stream().filter(h -> h.active() == 1).findFirst().orElseThrow().id();

        // Deleting the dispatch terminates the job: asked, interrupted after 1 s, given up after 2 s.
        server.deleteDispatch(dispatchId, "room-stuck");
        awaitStatus("room-stuck", JobStatus.JS_FAILED);
        String error = job("room-stuck").orElseThrow().error();
        System.out.println("Stuck call reported: JS_FAILED '" + error + "'");
        assertTrue(error.contains("did not return") && error.contains("gave it up"), error);
        assertEquals(0, w.activeSessions());
        // Its host holds a stuck thread: it takes nothing more and exits (0) as it holds no live call.
        await().atMost(Duration.ofSeconds(30)).until(() -> w.sessionHosts().stream().noneMatch(h -> h.id() == hostId));
        dispatch("room-next", "quick");
        awaitStatus("room-next", JobStatus.JS_SUCCESS);
        trackPids(w);
    }
}
