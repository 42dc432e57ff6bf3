/**
 * {@code infra check}: reads a CloudFormation template and a call-profile file and reports, as
 * FAIL/WARN/OK lines with the fix, what would let a deploy or a scale-in cut a worker's calls.
 * Entry points: {@link dev.holdline.infra.check.CheckCommand} (picocli) and
 * {@link dev.holdline.infra.check.TemplateChecker#check} (for code and tests).
 */
package dev.holdline.infra.check;
