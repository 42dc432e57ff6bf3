package dev.holdline.infra.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/**
 * A container of a task definition that runs a Holdline worker.
 *
 * @param taskDefinition      logical id of its task definition
 * @param name                its {@code Name}
 * @param definition          its container definition
 * @param environment         its {@code Environment}, name → value node (a literal or an intrinsic)
 * @param secretNames         the names of its {@code Secrets} (values the template cannot show)
 * @param hasEnvironmentFiles whether it has {@code EnvironmentFiles} (variables the template cannot show)
 * @param drain               what its drain needs
 */
record WorkerContainer(String taskDefinition, String name, JsonNode definition, Map<String, JsonNode> environment,
                       Set<String> secretNames, boolean hasEnvironmentFiles, DrainNeed drain) {
    /** {@code container 'worker'}: how messages name it. */
    String label() {
        return "container '" + name + "'";
    }
}
