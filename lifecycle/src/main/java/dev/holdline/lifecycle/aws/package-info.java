/**
 * The drains that start themselves on AWS: {@link dev.holdline.lifecycle.aws.DeploymentWatcher}
 * (a rolling deploy made this task out of date — protected tasks get no SIGTERM),
 * {@link dev.holdline.lifecycle.aws.InstanceTerminationWatcher} (Auto Scaling is terminating the
 * instance; optionally holds a lifecycle hook), and {@link dev.holdline.lifecycle.aws.AwsFacts}
 * (what start-up learns, and which of these apply). Retries: {@link dev.holdline.lifecycle.aws.RetryPolicy};
 * clients: {@link dev.holdline.lifecycle.aws.AwsClients}.
 */
package dev.holdline.lifecycle.aws;
