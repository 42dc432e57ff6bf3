package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.lifecycle.profile.DrainConfigGuard;
import dev.holdline.lifecycle.profile.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Check 2: nothing runs workers on Fargate with a drain longer than Fargate allows — Fargate caps
 * stopTimeout at 120 s, whatever the container says. A task definition may run on Fargate when its
 * {@code RequiresCompatibilities} includes {@code FARGATE}; a service puts it there with
 * {@code LaunchType: FARGATE} or a {@code FARGATE}/{@code FARGATE_SPOT} capacity provider (its
 * own strategy, or its cluster's default when it sets neither).
 */
final class FargateCheck implements Check {
    static final Duration CAP = DrainConfigGuard.FARGATE_STOP_TIMEOUT_CAP;

    @Override
    public List<Finding> check(Workload workload) {
        List<Finding> out = new ArrayList<>();
        for (Workload.TaskDefinition td : workload.taskDefinitions()) {
            Optional<DrainNeed> need = td.workers().stream().map(WorkerContainer::drain).max(Comparator.comparing(DrainNeed::needed));
            if (need.isEmpty()) {
                continue;
            }
            List<String> fargateBy = new ArrayList<>();
            boolean unknown = false;
            JsonNode compat = td.properties().get("RequiresCompatibilities");
            if (!Template.absent(compat)) {
                Optional<List<String>> list = Template.strings(compat);
                if (list.isEmpty()) {
                    out.add(Finding.warn(td.id(), "cannot verify whether it runs on Fargate: RequiresCompatibilities is " + Template.show(compat),
                            "give RequiresCompatibilities as a literal list, [\"EC2\"] for workers"));
                    unknown = true;
                } else if (list.get().stream().anyMatch(FargateCheck::isFargate)) {
                    fargate(out, td.id(), "RequiresCompatibilities " + list.get() + " includes FARGATE", need.get());
                    fargateBy.add(td.id());
                }
            }
            for (String serviceId : td.services()) {
                Workload.Service service = workload.services().stream().filter(s -> s.id().equals(serviceId)).findFirst().orElseThrow();
                launchedOnFargate(workload, service).ifPresent(how -> {
                    fargate(out, serviceId, how, need.get());
                    fargateBy.add(serviceId);
                });
            }
            if (fargateBy.isEmpty() && !unknown) {
                out.add(Finding.ok(td.id(), need.get().needed().compareTo(CAP) > 0
                        ? "runs on EC2, not Fargate (whose " + Durations.format(CAP) + " stopTimeout cap would not fit " + need.get().described() + ")"
                        : "runs on EC2, not Fargate"));
            }
        }
        return out;
    }

    /** How {@code service} puts its tasks on Fargate, or empty. */
    private static Optional<String> launchedOnFargate(Workload workload, Workload.Service service) {
        Optional<String> launchType = Template.text(service.properties().get("LaunchType"));
        if (launchType.filter(FargateCheck::isFargate).isPresent()) {
            return Optional.of("LaunchType is FARGATE");
        }
        for (JsonNode item : workload.capacityProviderStrategy(service)) {
            Optional<String> provider = Template.text(item.get("CapacityProvider"));
            if (provider.filter(FargateCheck::isFargate).isPresent()) {
                boolean own = !Template.absent(service.properties().get("CapacityProviderStrategy"));
                return Optional.of((own ? "its" : "its cluster's default") + " capacity provider strategy uses " + provider.get());
            }
        }
        return Optional.empty();
    }

    private static boolean isFargate(String value) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        return v.equals("FARGATE") || v.equals("FARGATE_SPOT");
    }

    private static void fargate(List<Finding> out, String resource, String how, DrainNeed need) {
        if (need.needed().compareTo(CAP) > 0) {
            out.add(Finding.fail(resource, how + ", and Fargate caps stopTimeout at " + Durations.format(CAP) + ", but " + need.described()
                            + ", so ECS would SIGKILL calls still draining (the worker refuses to start there)",
                    "run workers on EC2 (RequiresCompatibilities [\"EC2\"], an EC2 capacity provider or LaunchType EC2), or "
                            + need.lowerDrainsFix(CAP)));
        } else {
            out.add(Finding.ok(resource, how + "; " + need.described() + " fits Fargate's " + Durations.format(CAP) + " stopTimeout cap"));
        }
    }
}
