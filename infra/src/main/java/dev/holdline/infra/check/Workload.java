package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.Durations;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a template runs, as the checks need it: the task definitions with their worker containers,
 * and the services. Built once per check run; problems found while building it (a container
 * list that is not literal, a drain override that cannot be read) are {@link #notes()}.
 *
 * <p>A task definition's worker containers are those that set a {@code HOLDLINE_*} variable in
 * {@code Environment} or {@code Secrets}; in a task definition where none does, every container
 * counts as a worker.
 */
final class Workload {
    /**
     * @param workers  its worker containers, empty when they cannot be read
     * @param services logical ids of the services in the template that run it
     */
    record TaskDefinition(String id, JsonNode properties, List<WorkerContainer> workers, List<String> services) {
    }

    /** @param taskDefinition the logical id of the task definition it runs, when that is in the template */
    record Service(String id, JsonNode properties, Optional<String> taskDefinition) {
    }

    private static final String HOLDLINE_PREFIX = "HOLDLINE_";
    private static final String PROFILE_PREFIX = "HOLDLINE_PROFILE_";

    final Template template;
    final ProfileConfig profiles;
    private final List<TaskDefinition> taskDefinitions = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final List<Finding> notes = new ArrayList<>();

    private Workload(Template template, ProfileConfig profiles) {
        this.template = template;
        this.profiles = profiles;
    }

    /**
     * @throws TemplateException when the template has no {@code AWS::ECS::TaskDefinition}
     */
    static Workload of(Template template, ProfileConfig profiles) {
        Workload w = new Workload(template, profiles);
        for (String id : template.idsOfType(Template.SERVICE)) {
            JsonNode props = template.properties(id);
            w.services.add(new Service(id, props, template.reference(props.get("TaskDefinition"), Template.TASK_DEFINITION, null)));
        }
        List<String> ids = template.idsOfType(Template.TASK_DEFINITION);
        if (ids.isEmpty()) {
            throw new TemplateException("the template has no " + Template.TASK_DEFINITION
                    + " resource; pass the template of the stack that defines the worker task");
        }
        for (String id : ids) {
            List<String> running = w.services.stream()
                    .filter(s -> s.taskDefinition().filter(id::equals).isPresent())
                    .map(Service::id)
                    .toList();
            w.taskDefinitions.add(new TaskDefinition(id, template.properties(id), w.workers(id), running));
        }
        return w;
    }

    List<TaskDefinition> taskDefinitions() {
        return taskDefinitions;
    }

    List<Service> services() {
        return services;
    }

    List<Finding> notes() {
        return notes;
    }

    Optional<TaskDefinition> taskDefinition(String id) {
        return taskDefinitions.stream().filter(t -> t.id().equals(id)).findFirst();
    }

    /**
     * The capacity provider strategy {@code service} places its tasks with: its own, or — when it
     * sets neither {@code LaunchType} nor a strategy — its cluster's default (from
     * {@code AWS::ECS::ClusterCapacityProviderAssociations} or the cluster's own properties).
     */
    List<JsonNode> capacityProviderStrategy(Service service) {
        JsonNode own = service.properties().get("CapacityProviderStrategy");
        if (!Template.absent(own)) {
            return Template.elements(own);
        }
        if (!Template.absent(service.properties().get("LaunchType"))) {
            return List.of();
        }
        Optional<String> cluster = template.reference(service.properties().get("Cluster"), Template.CLUSTER, "ClusterName");
        if (cluster.isEmpty()) {
            return List.of();
        }
        for (String id : template.idsOfType(Template.CLUSTER_CAPACITY_PROVIDER_ASSOCIATIONS)) {
            JsonNode props = template.properties(id);
            if (template.reference(props.get("Cluster"), Template.CLUSTER, "ClusterName").equals(cluster)) {
                return Template.elements(props.get("DefaultCapacityProviderStrategy"));
            }
        }
        return Template.elements(template.properties(cluster.get()).get("DefaultCapacityProviderStrategy"));
    }

    // ---- worker containers ----------------------------------------------------------------

    private List<WorkerContainer> workers(String taskDefinition) {
        JsonNode list = template.properties(taskDefinition).get("ContainerDefinitions");
        if (Template.absent(list) || !list.isArray() || list.isEmpty()) {
            notes.add(Finding.warn(taskDefinition, "cannot verify its containers: ContainerDefinitions is "
                            + (Template.absent(list) ? "missing" : Template.show(list)),
                    "give ContainerDefinitions as a literal list in the template"));
            return List.of();
        }
        List<JsonNode> all = new ArrayList<>();
        List<JsonNode> holdline = new ArrayList<>();
        for (JsonNode c : list) {
            if (!c.isObject()) {
                notes.add(Finding.warn(taskDefinition, "cannot verify a container definition: it is " + Template.show(c),
                        "give each container definition as a literal object"));
                continue;
            }
            all.add(c);
            if (environment(c).keySet().stream().anyMatch(n -> n.startsWith(HOLDLINE_PREFIX))
                    || secretNames(c).stream().anyMatch(n -> n.startsWith(HOLDLINE_PREFIX))) {
                holdline.add(c);
            }
        }
        List<WorkerContainer> workers = new ArrayList<>();
        for (JsonNode c : holdline.isEmpty() ? all : holdline) {
            String name = Template.text(c.get("Name")).orElse("#" + (all.indexOf(c) + 1));
            Map<String, JsonNode> env = environment(c);
            Set<String> secrets = secretNames(c);
            boolean files = !Template.absent(c.get("EnvironmentFiles")) && !c.get("EnvironmentFiles").isEmpty();
            Source source = new Source(taskDefinition, "container '" + name + "'", env, secrets);
            workers.add(new WorkerContainer(taskDefinition, name, c, env, secrets, files, drainNeed(source)));
        }
        return workers;
    }

    private static Map<String, JsonNode> environment(JsonNode container) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        for (JsonNode e : Template.elements(container.get("Environment"))) {
            Template.text(e.get("Name")).ifPresent(n -> env.put(n, e.path("Value")));
        }
        return env;
    }

    private static Set<String> secretNames(JsonNode container) {
        Set<String> names = new HashSet<>();
        for (JsonNode e : Template.elements(container.get("Secrets"))) {
            Template.text(e.get("Name")).ifPresent(names::add);
        }
        return names;
    }

    /** Where a container's variables come from, for {@link #drainNeed}. */
    private record Source(String taskDefinition, String label, Map<String, JsonNode> environment, Set<String> secretNames) {
    }

    /** The profile file's drains and margin with {@code c}'s literal overrides applied; unreadable overrides become notes. */
    private DrainNeed drainNeed(Source c) {
        Set<String> known = new HashSet<>();
        List<DrainNeed.ProfileDrain> drains = new ArrayList<>();
        for (CallProfile p : profiles.profiles()) {
            String variable = ProfileConfig.drainTimeoutVariable(p.name());
            known.add(variable);
            known.add(ProfileConfig.wrapUpNoticeVariable(p.name()));
            Optional<Duration> override = override(c, variable, p.drainTimeout(), "profile '" + p.name() + "': drain_timeout");
            drains.add(new DrainNeed.ProfileDrain(p.name(), override.orElse(p.drainTimeout()), override.isPresent() ? variable : null));
        }
        Optional<Duration> margin = override(c, ProfileConfig.SAFETY_MARGIN_ENV, profiles.safetyMargin(), "safety_margin");
        for (String variable : c.environment().keySet()) {
            if (variable.startsWith(PROFILE_PREFIX) && (variable.endsWith("_DRAIN_TIMEOUT") || variable.endsWith("_WRAP_UP_NOTICE"))
                    && !known.contains(variable)) {
                notes.add(Finding.warn(c.taskDefinition(), c.label() + " sets " + variable + ", which names no profile in the profile file ("
                                + String.join(", ", profiles.profiles().stream().map(CallProfile::name).toList())
                                + "); if the image's profile file is this one, the worker refuses to start",
                        "rename it after one of those profiles, or remove it"));
            }
        }
        return new DrainNeed(drains, margin.orElse(profiles.safetyMargin()), margin.isPresent() ? ProfileConfig.SAFETY_MARGIN_ENV : null);
    }

    private Optional<Duration> override(Source c, String variable, Duration fileValue, String setting) {
        JsonNode value = c.environment().get(variable);
        if (value == null) {
            if (c.secretNames().contains(variable)) {
                notes.add(Finding.warn(c.taskDefinition(), "cannot verify " + c.label() + " " + variable
                                + ": it comes from Secrets; the checks use the profile file's " + Durations.format(fileValue),
                        "set " + variable + " in Environment so that it can be checked, or make sure the secret holds " + Durations.format(fileValue)));
            }
            return Optional.empty();
        }
        Optional<String> text = Template.text(value);
        if (text.isEmpty()) {
            notes.add(Finding.warn(c.taskDefinition(), "cannot verify " + c.label() + " " + variable + " " + Template.show(value)
                            + "; the checks use the profile file's " + Durations.format(fileValue),
                    "give " + variable + " a literal value"));
            return Optional.empty();
        }
        try {
            return Optional.of(Durations.parse(text.get(), setting));
        } catch (IllegalArgumentException e) {
            notes.add(Finding.fail(c.taskDefinition(), c.label() + " " + variable + ": " + e.getMessage() + ", so the worker refuses to start",
                    "set " + variable + " to a duration such as " + Durations.format(fileValue) + ", or remove it"));
            return Optional.empty();
        }
    }
}
