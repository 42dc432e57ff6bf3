package dev.holdline.lifecycle.aws;

import java.io.IOException;
import java.util.Objects;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;

/**
 * An Auto Scaling termination lifecycle hook holding this instance in {@code Terminating:Wait}
 * while the worker drains: the hook's name, its group, and this instance.
 *
 * @param hookName   the lifecycle hook (on the {@code autoscaling:EC2_INSTANCE_TERMINATING} transition)
 * @param asgName    the Auto Scaling group
 * @param instanceId this EC2 instance
 */
public record LifecycleHook(String hookName, String asgName, String instanceId) {
    public LifecycleHook {
        require(hookName, "hookName");
        require(asgName, "asgName");
        require(instanceId, "instanceId");
    }

    /**
     * Finds this instance ({@code meta-data/instance-id} from IMDS) and its group
     * ({@code DescribeAutoScalingInstances}, which needs {@code autoscaling:DescribeAutoScalingInstances}).
     *
     * @throws IOException           when IMDS cannot be read or has no instance id
     * @throws IllegalStateException when the instance is not in an Auto Scaling group
     */
    public static LifecycleHook discover(String hookName, Imds imds, AutoScalingClient autoScaling)
            throws IOException, InterruptedException {
        String instanceId = imds.get("meta-data/instance-id")
                .orElseThrow(() -> new IOException("IMDS has no meta-data/instance-id"));
        String asg = autoScaling.describeAutoScalingInstances(r -> r.instanceIds(instanceId)).autoScalingInstances()
                .stream().filter(i -> instanceId.equals(i.instanceId())).map(AutoScalingInstanceDetails::autoScalingGroupName)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("Instance " + instanceId
                        + " is not in an Auto Scaling group, so it has no lifecycle hook " + hookName));
        return new LifecycleHook(hookName, asg, instanceId);
    }

    private static void require(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
