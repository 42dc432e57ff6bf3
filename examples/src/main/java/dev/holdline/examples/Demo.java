package dev.holdline.examples;

import dev.holdline.devserver.DevServer;
import dev.holdline.devserver.agent.AgentEvent;
import dev.holdline.devserver.agent.JobView;
import dev.holdline.worker.Worker;
import io.livekit.server.AgentDispatchServiceClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import livekit.LivekitAgent.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The README's main job until the deploy drill exists: an embedded dev server, two {@code hold}
 * workers, dispatches created through LiveKit's Java server SDK, and a check that every job ran
 * exactly once and succeeded. Exit 0 when all is well, 1 otherwise.
 */
final class Demo {
    private static final Logger log = LoggerFactory.getLogger(Demo.class);
    private static final String KEY = "devkey";
    private static final String SECRET = "demo-secret-" + Long.toHexString(System.nanoTime());

    private Demo() {
    }

    static int run(int jobs, double holdSeconds) throws Exception {
        Map<String, List<String>> ranOn = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        try (DevServer server = DevServer.builder().port(0).key(KEY, SECRET).build().start()) {
            List<Worker> workers = new ArrayList<>();
            try {
                for (int i = 1; i <= 2; i++) {
                    String label = "worker-" + i;
                    HoldAgent hold = new HoldAgent();
                    Worker w = Worker.builder().env(Map.of())
                            .url(server.httpUrl()).apiKey(KEY).apiSecret(SECRET)
                            .agentName("hold").healthPort(-1).loadThreshold(Double.POSITIVE_INFINITY).maxSessions(jobs)
                            .handler(session -> {
                                ranOn.computeIfAbsent(session.job().id(), k -> new CopyOnWriteArrayList<>()).add(label);
                                hold.run(session);
                            })
                            .build().start();
                    workers.add(w);
                    if (!w.awaitRegistered(Duration.ofSeconds(10))) {
                        System.out.println("FAIL: " + label + " did not register within 10 s");
                        return 1;
                    }
                }
                double startup = (System.nanoTime() - t0) / 1e9;
                var client = AgentDispatchServiceClient.createClient(server.httpUrl(), KEY, SECRET);
                List<String> dispatchIds = new ArrayList<>();
                for (int i = 0; i < jobs; i++) {
                    var response = client.createDispatch("demo-room-" + i, "hold",
                            "{\"seconds\": " + holdSeconds + "}").execute();
                    if (!response.isSuccessful() || response.body() == null) {
                        System.out.println("FAIL: CreateDispatch answered HTTP " + response.code());
                        return 1;
                    }
                    dispatchIds.add(response.body().getId());
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(30 + (long) (holdSeconds * 2)).toNanos();
                List<JobView> views;
                while (true) {
                    views = server.jobs().stream().filter(j -> dispatchIds.contains(j.dispatchId())).toList();
                    boolean done = views.size() == jobs && views.stream().allMatch(j ->
                            j.status() == JobStatus.JS_SUCCESS || j.status() == JobStatus.JS_FAILED);
                    if (done || System.nanoTime() > deadline) {
                        break;
                    }
                    Thread.sleep(100); // polling a snapshot for a progress report, not synchronising a test
                }
                return report(server, views, ranOn, jobs, startup, (System.nanoTime() - t0) / 1e9);
            } finally {
                workers.forEach(Worker::close);
            }
        }
    }

    private static int report(DevServer server, List<JobView> views, Map<String, List<String>> ranOn,
                              int jobs, double startup, double total) {
        long succeeded = views.stream().filter(j -> j.status() == JobStatus.JS_SUCCESS).count();
        long twice = ranOn.values().stream().filter(l -> l.size() != 1).count();
        Map<String, Integer> perWorker = new TreeMap<>();
        ranOn.values().forEach(l -> l.forEach(w -> perWorker.merge(w, 1, Integer::sum)));
        long[] latencies = server.events().stream()
                .filter(AgentEvent.OfferAnswered.class::isInstance)
                .mapToLong(e -> ((AgentEvent.OfferAnswered) e).latencyNanos()).sorted().toArray();
        System.out.println();
        System.out.println("Holdline demo: " + jobs + " dispatches to agent 'hold' on 2 workers");
        System.out.printf("  workers registered in   %.2f s%n", startup);
        System.out.println("  jobs created            " + views.size());
        System.out.println("  jobs succeeded          " + succeeded);
        System.out.println("  jobs run more than once " + twice);
        System.out.println("  jobs per worker         " + perWorker);
        if (latencies.length > 0) {
            System.out.printf("  offer -> answer         p50 %.2f ms, p99 %.2f ms (%d offers)%n",
                    latencies[latencies.length / 2] / 1e6,
                    latencies[Math.min(latencies.length - 1, (int) Math.ceil(latencies.length * 0.99) - 1)] / 1e6,
                    latencies.length);
        }
        System.out.printf("  total                   %.2f s%n", total);
        boolean ok = views.size() == jobs && succeeded == jobs && twice == 0 && ranOn.size() == jobs;
        System.out.println(ok ? "OK: every job ran exactly once and succeeded" : "FAIL: see above");
        log.debug("demo finished: {}", ok);
        return ok ? 0 : 1;
    }
}
