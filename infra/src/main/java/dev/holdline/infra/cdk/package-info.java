/**
 * {@code infra synth}: the Holdline worker fleet on ECS (EC2 launch type) as a CDK (Java) app that
 * synthesizes CloudFormation JSON in-process, without the {@code cdk} CLI and without AWS access.
 * Entry points: {@link dev.holdline.infra.cdk.SynthCommand} (picocli) and
 * {@link dev.holdline.infra.cdk.HoldlineSynth#synth} (for code and tests); the stack itself is
 * {@link dev.holdline.infra.cdk.HoldlineStack}. The container's stopTimeout comes from the
 * call-profile file through {@link dev.holdline.infra.cdk.DrainBudget} — the same file, read by
 * the same loader, as the worker's.
 */
package dev.holdline.infra.cdk;
