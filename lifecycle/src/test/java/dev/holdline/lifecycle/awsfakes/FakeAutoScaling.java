package dev.holdline.lifecycle.awsfakes;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Amazon EC2 Auto Scaling on 127.0.0.1, speaking the Query protocol the AWS SDK uses: {@code POST /}
 * with a form body {@code Action=…&Version=2011-01-01&…}, XML answers in the
 * {@code http://autoscaling.amazonaws.com/doc/2011-01-01/} namespace, errors as
 * {@code <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>}.
 * Requests must be SigV4-signed (any key; the signature is not checked), as AWS requires.
 *
 * <p>Actions: {@code SetInstanceProtection}, {@code DescribeAutoScalingInstances},
 * {@code RecordLifecycleActionHeartbeat}, {@code CompleteLifecycleAction}. Each validates what AWS
 * validates that matters here: the instances must be {@linkplain #addInstance added} and belong to
 * the named group ({@code ValidationError} otherwise), {@code LifecycleActionResult} must be
 * {@code CONTINUE} or {@code ABANDON}. Unknown instance ids in {@code DescribeAutoScalingInstances}
 * are left out of the answer, as AWS does.
 *
 * <p>Point the SDK at it with {@code AutoScalingClient.builder().endpointOverride(fake.uri())
 * .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(…))}.
 */
public final class FakeAutoScaling implements AutoCloseable {
    /** The Query API's XML namespace. */
    public static final String NAMESPACE = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    /** One successful {@code CompleteLifecycleAction}. */
    public record Completion(String hook, String asg, String instanceId, String result) {
    }

    private static final class Instance {
        final String id;
        final String asg;
        boolean protectedFromScaleIn;
        String lifecycleState = "InService";

        Instance(String id, String asg) {
            this.id = id;
            this.asg = asg;
        }
    }

    private record Failure(int status, String code, String message) {
    }

    private final Object lock = new Object();
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final List<String> heartbeats = new ArrayList<>();
    private final List<Completion> completions = new ArrayList<>();
    private final List<String> actions = new ArrayList<>();
    private final Deque<Failure> failures = new ArrayDeque<>();
    private final FakeServers.Loopback server;

    private FakeAutoScaling() {
        server = FakeServers.start("fake-autoscaling", this::handle);
    }

    /** Starts the fake on a free loopback port. */
    public static FakeAutoScaling start() {
        return new FakeAutoScaling();
    }

    /** {@code http://127.0.0.1:<port>}, for {@code endpointOverride}. */
    public URI uri() {
        return server.uri();
    }

    /** Adds an {@code InService}, healthy, unprotected instance to a group (created on first use). */
    public void addInstance(String instanceId, String asgName) {
        synchronized (lock) {
            instances.put(instanceId, new Instance(instanceId, asgName));
        }
    }

    /** Changes an instance's {@code LifecycleState}, e.g. {@code Terminating:Wait}. */
    public void setLifecycleState(String instanceId, String state) {
        synchronized (lock) {
            Instance i = instances.get(instanceId);
            if (i == null) {
                throw new IllegalArgumentException("unknown instance " + instanceId + ": addInstance first");
            }
            i.lifecycleState = state;
        }
    }

    /** The instance's {@code ProtectedFromScaleIn}; empty for an instance never added. */
    public Optional<Boolean> protectionOf(String instanceId) {
        synchronized (lock) {
            Instance i = instances.get(instanceId);
            return i == null ? Optional.empty() : Optional.of(i.protectedFromScaleIn);
        }
    }

    /** One entry per successful {@code RecordLifecycleActionHeartbeat}: {@code "hook/asg/instanceId"}. */
    public List<String> heartbeats() {
        synchronized (lock) {
            return List.copyOf(heartbeats);
        }
    }

    /** Successful {@code CompleteLifecycleAction} calls, in order. */
    public List<Completion> completions() {
        synchronized (lock) {
            return List.copyOf(completions);
        }
    }

    /**
     * The next request (whatever its action) gets this error; calls queue up, one per request.
     * Use {@code 400, "Throttling", "Rate exceeded"} for throttling, 500 {@code InternalFailure}
     * for a server fault, 403 {@code AccessDenied} for a missing permission.
     */
    public void failNext(int httpStatus, String code, String message) {
        synchronized (lock) {
            failures.add(new Failure(httpStatus, code, message));
        }
    }

    /** Every action received, in order, including the ones answered with an error. */
    public List<String> actions() {
        synchronized (lock) {
            return List.copyOf(actions);
        }
    }

    @Override
    public void close() {
        server.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = FakeServers.body(exchange);
        String requestId = UUID.randomUUID().toString();
        if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals("/")) {
            error(exchange, requestId, 400, "InvalidAction", "only POST / is served here");
            return;
        }
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 ")) {
            error(exchange, requestId, 403, "MissingAuthenticationToken", "Request is missing Authentication Token");
            return;
        }
        Map<String, String> p = FakeServers.form(body);
        String action = p.getOrDefault("Action", "");
        Failure failure;
        synchronized (lock) {
            actions.add(action);
            failure = failures.poll();
        }
        if (failure != null) {
            error(exchange, requestId, failure.status(), failure.code(), failure.message());
            return;
        }
        if (!"2011-01-01".equals(p.get("Version"))) {
            error(exchange, requestId, 400, "InvalidParameterValue", "Version must be 2011-01-01, was " + p.get("Version"));
            return;
        }
        String result;
        try {
            result = switch (action) {
                case "SetInstanceProtection" -> setInstanceProtection(p);
                case "DescribeAutoScalingInstances" -> describeAutoScalingInstances(p);
                case "RecordLifecycleActionHeartbeat" -> heartbeat(p);
                case "CompleteLifecycleAction" -> complete(p);
                default -> throw new Rejected("InvalidAction", "The action " + action + " is not valid for this web service.");
            };
        } catch (Rejected r) {
            error(exchange, requestId, 400, r.code, r.getMessage());
            return;
        }
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<" + action + "Response xmlns=\"" + NAMESPACE + "\">"
                + (result.isEmpty() ? "<" + action + "Result/>" : "<" + action + "Result>" + result + "</" + action + "Result>")
                + "<ResponseMetadata><RequestId>" + requestId + "</RequestId></ResponseMetadata>"
                + "</" + action + "Response>";
        FakeServers.respond(exchange, 200, "text/xml", xml);
    }

    private static final class Rejected extends Exception {
        final String code;

        Rejected(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private static String required(Map<String, String> p, String name) throws Rejected {
        String v = p.get(name);
        if (v == null || v.isEmpty()) {
            throw new Rejected("ValidationError", "1 validation error detected: Value null at '"
                    + Character.toLowerCase(name.charAt(0)) + name.substring(1) + "' failed to satisfy constraint: Member must not be null");
        }
        return v;
    }

    private static List<String> members(Map<String, String> p, String prefix) {
        List<String> values = new ArrayList<>();
        for (int n = 1; p.containsKey(prefix + ".member." + n); n++) {
            values.add(p.get(prefix + ".member." + n));
        }
        return values;
    }

    private String setInstanceProtection(Map<String, String> p) throws Rejected {
        List<String> ids = members(p, "InstanceIds");
        String asg = required(p, "AutoScalingGroupName");
        String flag = required(p, "ProtectedFromScaleIn");
        if (ids.isEmpty()) {
            required(p, "InstanceIds");
        }
        synchronized (lock) {
            if (instances.values().stream().noneMatch(i -> i.asg.equals(asg))) {
                throw new Rejected("ValidationError", "AutoScalingGroup name not found - AutoScalingGroup " + asg + " not found");
            }
            for (String id : ids) {
                Instance i = instances.get(id);
                if (i == null || !i.asg.equals(asg)) {
                    throw new Rejected("ValidationError", "The instance " + id + " is not part of Auto Scaling group " + asg + ".");
                }
            }
            for (String id : ids) {
                instances.get(id).protectedFromScaleIn = Boolean.parseBoolean(flag);
            }
        }
        return "";
    }

    private String describeAutoScalingInstances(Map<String, String> p) {
        List<String> ids = members(p, "InstanceIds");
        StringBuilder b = new StringBuilder("<AutoScalingInstances>");
        synchronized (lock) {
            for (Instance i : instances.values()) {
                if (!ids.isEmpty() && !ids.contains(i.id)) {
                    continue;
                }
                b.append("<member>")
                        .append("<InstanceId>").append(FakeServers.xml(i.id)).append("</InstanceId>")
                        .append("<InstanceType>c6i.large</InstanceType>")
                        .append("<AutoScalingGroupName>").append(FakeServers.xml(i.asg)).append("</AutoScalingGroupName>")
                        .append("<AvailabilityZone>us-east-1a</AvailabilityZone>")
                        .append("<LifecycleState>").append(FakeServers.xml(i.lifecycleState)).append("</LifecycleState>")
                        .append("<HealthStatus>HEALTHY</HealthStatus>")
                        .append("<LaunchTemplate><LaunchTemplateId>lt-0123456789abcdef0</LaunchTemplateId>")
                        .append("<LaunchTemplateName>holdline-workers</LaunchTemplateName><Version>1</Version></LaunchTemplate>")
                        .append("<ProtectedFromScaleIn>").append(i.protectedFromScaleIn).append("</ProtectedFromScaleIn>")
                        .append("</member>");
            }
        }
        return b.append("</AutoScalingInstances>").toString();
    }

    /** Checks an action's target; answers the instance id (or the token when only that was given). */
    private String lifecycleTarget(Map<String, String> p, String asg) throws Rejected {
        String instanceId = p.get("InstanceId");
        String token = p.get("LifecycleActionToken");
        if ((instanceId == null || instanceId.isEmpty()) && (token == null || token.isEmpty())) {
            throw new Rejected("ValidationError", "Either InstanceId or LifecycleActionToken must be specified");
        }
        if (instanceId == null || instanceId.isEmpty()) {
            return token;
        }
        synchronized (lock) {
            Instance i = instances.get(instanceId);
            if (i == null || !i.asg.equals(asg)) {
                throw new Rejected("ValidationError", "No active Lifecycle Action found with instance ID " + instanceId);
            }
        }
        return instanceId;
    }

    private String heartbeat(Map<String, String> p) throws Rejected {
        String hook = required(p, "LifecycleHookName");
        String asg = required(p, "AutoScalingGroupName");
        String target = lifecycleTarget(p, asg);
        synchronized (lock) {
            heartbeats.add(hook + "/" + asg + "/" + target);
        }
        return "";
    }

    private String complete(Map<String, String> p) throws Rejected {
        String hook = required(p, "LifecycleHookName");
        String asg = required(p, "AutoScalingGroupName");
        String result = required(p, "LifecycleActionResult");
        if (!result.equals("CONTINUE") && !result.equals("ABANDON")) {
            throw new Rejected("ValidationError", "Valid values for LifecycleActionResult are CONTINUE and ABANDON, not " + result);
        }
        String target = lifecycleTarget(p, asg);
        synchronized (lock) {
            completions.add(new Completion(hook, asg, target, result));
        }
        return "";
    }

    private static void error(HttpExchange exchange, String requestId, int status, String code, String message)
            throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<ErrorResponse xmlns=\"" + NAMESPACE + "\">"
                + "<Error><Type>" + (status >= 500 ? "Receiver" : "Sender") + "</Type>"
                + "<Code>" + FakeServers.xml(code) + "</Code>"
                + "<Message>" + FakeServers.xml(message) + "</Message></Error>"
                + "<RequestId>" + requestId + "</RequestId>"
                + "</ErrorResponse>";
        FakeServers.respond(exchange, status, "text/xml", xml);
    }
}
