package dev.holdline.infra.check;

import java.util.List;

/** One of the checks {@link TemplateChecker} runs; each looks at one concern and says what to fix. */
interface Check {
    List<Finding> check(Workload workload);
}
