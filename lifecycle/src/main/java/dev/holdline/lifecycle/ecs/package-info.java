/**
 * What the worker learns from ECS about the task it runs in (task metadata endpoint v4).
 */
package dev.holdline.lifecycle.ecs;
