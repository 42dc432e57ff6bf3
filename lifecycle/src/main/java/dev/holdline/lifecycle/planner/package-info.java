/**
 * The drain planner: from observed call durations per profile (a CSV, or the worker's
 * {@code holdline_call_duration_seconds} histogram), recommend each profile's {@code drain_timeout},
 * the matching container stop timeout, and what a deploy will take with them.
 */
package dev.holdline.lifecycle.planner;
