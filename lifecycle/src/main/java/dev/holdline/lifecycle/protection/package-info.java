/**
 * Scale-in protection: keeps ECS (or the Auto Scaling group) from picking this worker for scale-in
 * or a deployment while it holds calls, and lets it go when idle so that idle workers are picked
 * first (DESIGN.md §5, §6.5).
 *
 * <p>{@link dev.holdline.lifecycle.protection.ProtectionPolicy} decides when; a
 * {@link dev.holdline.lifecycle.protection.ProtectionBackend} does it:
 * {@link dev.holdline.lifecycle.protection.EcsTaskProtection} (the ECS agent's task protection
 * endpoint), {@link dev.holdline.lifecycle.protection.AsgInstanceProtection} (EC2 Auto Scaling
 * instance protection) or {@link dev.holdline.lifecycle.protection.NoProtection} (not on AWS).
 */
package dev.holdline.lifecycle.protection;
