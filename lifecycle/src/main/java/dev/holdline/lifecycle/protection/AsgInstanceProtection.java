package dev.holdline.lifecycle.protection;

import dev.holdline.lifecycle.aws.Imds;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;

/**
 * EC2 Auto Scaling instance protection ({@code SetInstanceProtection}) for the instance this worker
 * runs on: for workers on plain EC2 or when the ASG, not ECS, picks what to scale in. The instance
 * id comes from IMDSv2 and the group from {@code DescribeAutoScalingInstances}, both once, in
 * {@link #resolve}. Instance protection does not expire, so the policy does not renew it.
 *
 * <p>The role needs {@code autoscaling:DescribeAutoScalingInstances} and
 * {@code autoscaling:SetInstanceProtection}.
 */
public final class AsgInstanceProtection implements ProtectionBackend {
    private static final Set<String> THROTTLING_CODES = Set.of("Throttling", "ThrottlingException",
            "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled");
    private static final Set<String> ACCESS_DENIED_CODES = Set.of("AccessDenied", "AccessDeniedException",
            "UnauthorizedOperation");
    private static final Set<String> CREDENTIAL_CODES = Set.of("InvalidClientTokenId", "SignatureDoesNotMatch",
            "UnrecognizedClientException", "MissingAuthenticationToken", "IncompleteSignature");

    private final AutoScalingClient client;
    private final String instanceId;
    private final String groupName;

    private AsgInstanceProtection(AutoScalingClient client, String instanceId, String groupName) {
        this.client = client;
        this.instanceId = instanceId;
        this.groupName = groupName;
    }

    /**
     * Finds this instance and its group. The backend takes ownership of {@code client} (closes it);
     * when this throws, the client stays the caller's. {@code imds} stays the caller's.
     *
     * @throws ProtectionException when IMDS has no instance id, the instance is in no Auto Scaling
     *         group, or a call fails (the message names the missing IAM action on access denied)
     */
    public static AsgInstanceProtection resolve(Imds imds, AutoScalingClient client) throws ProtectionException {
        Optional<String> id;
        try {
            id = imds.get("meta-data/instance-id");
        } catch (IOException e) {
            throw new ProtectionException("could not read the instance id from IMDS: " + e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtectionException("interrupted while reading the instance id from IMDS", false, e);
        }
        if (id.isEmpty() || id.get().isBlank()) {
            throw new ProtectionException("IMDS has no meta-data/instance-id: not an EC2 instance", false);
        }
        String instanceId = id.get();
        List<AutoScalingInstanceDetails> found;
        try {
            found = client.describeAutoScalingInstances(r -> r.instanceIds(instanceId)).autoScalingInstances();
        } catch (SdkException e) {
            throw map(e, "autoscaling:DescribeAutoScalingInstances", "DescribeAutoScalingInstances for " + instanceId);
        }
        if (found.isEmpty()) {
            throw new ProtectionException("instance " + instanceId + " is not in an Auto Scaling group"
                    + " (DescribeAutoScalingInstances found nothing)", false);
        }
        return new AsgInstanceProtection(client, instanceId, found.getFirst().autoScalingGroupName());
    }

    public String instanceId() {
        return instanceId;
    }

    public String groupName() {
        return groupName;
    }

    @Override
    public String describe() {
        return "ASG instance protection (" + instanceId + " in " + groupName + ")";
    }

    @Override
    public void setProtected(boolean enabled, Duration expiry) throws ProtectionException {
        try {
            client.setInstanceProtection(r -> r.autoScalingGroupName(groupName).instanceIds(instanceId)
                    .protectedFromScaleIn(enabled));
        } catch (SdkException e) {
            throw map(e, "autoscaling:SetInstanceProtection",
                    "SetInstanceProtection " + enabled + " for " + instanceId + " in " + groupName);
        }
    }

    /** Instance protection holds until cleared. */
    @Override
    public boolean expires() {
        return false;
    }

    /** Maps an SDK failure to a {@link ProtectionException} naming the IAM action on access denied. */
    static ProtectionException map(SdkException e, String iamAction, String what) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
            String message = s.awsErrorDetails() == null ? s.getMessage() : s.awsErrorDetails().errorMessage();
            int status = s.statusCode();
            String said = "HTTP " + status + " " + code + ": " + message;
            if (ACCESS_DENIED_CODES.contains(code) || (status == 403 && !CREDENTIAL_CODES.contains(code))) {
                return new ProtectionException("access denied: the role lacks " + iamAction + " (" + what + " answered "
                        + said + ")", false, e);
            }
            if (s.isThrottlingException() || THROTTLING_CODES.contains(code) || status == 429) {
                return new ProtectionException("throttled: " + what + " answered " + said, true, e);
            }
            if (status >= 500 || "ExpiredToken".equals(code) || "ExpiredTokenException".equals(code)) {
                return new ProtectionException(what + " answered " + said, true, e);
            }
            return new ProtectionException(what + " was rejected: " + said, false, e);
        }
        if (e instanceof SdkClientException) {
            return new ProtectionException(what + " failed: " + e.getMessage(), true, e);
        }
        return new ProtectionException(what + " failed: " + e, true, e);
    }

    /** Closes the Auto Scaling client. */
    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return describe();
    }
}
