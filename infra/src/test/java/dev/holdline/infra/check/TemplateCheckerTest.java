package dev.holdline.infra.check;

import static dev.holdline.infra.check.Fixtures.ASG;
import static dev.holdline.infra.check.Fixtures.CAPACITY_PROVIDER;
import static dev.holdline.infra.check.Fixtures.SERVICE;
import static dev.holdline.infra.check.Fixtures.TASK_DEFINITION;
import static dev.holdline.infra.check.Fixtures.TASK_ROLE;
import static dev.holdline.infra.check.Fixtures.TASK_ROLE_POLICY;
import static dev.holdline.infra.check.Fixtures.check;
import static dev.holdline.infra.check.Fixtures.goodTemplate;
import static dev.holdline.infra.check.Fixtures.lines;
import static dev.holdline.infra.check.Fixtures.of;
import static dev.holdline.infra.check.Fixtures.onlyFail;
import static dev.holdline.infra.check.Fixtures.properties;
import static dev.holdline.infra.check.Fixtures.setEnv;
import static dev.holdline.infra.check.Fixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.holdline.lifecycle.profile.CallProfile;
import dev.holdline.lifecycle.profile.ProfileConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The known-good fixture passes; each misconfiguration planted into a copy is caught with the
 * expected FAIL and fix.
 */
class TemplateCheckerTest {

    @Test
    void knownGoodTemplatePassesWithoutFailOrWarn() {
        List<Finding> findings = check(goodTemplate());
        assertEquals(List.of(), of(findings, Severity.FAIL), lines(findings));
        assertEquals(List.of(), of(findings, Severity.WARN), lines(findings));
        assertEquals("0 FAIL, 0 WARN", TemplateChecker.summary(findings));
        // Every check said something about the resources it covers.
        List<String> resources = findings.stream().map(Finding::resource).distinct().toList();
        assertEquals(List.of(TASK_DEFINITION, TASK_ROLE, SERVICE, CAPACITY_PROVIDER, ASG), resources);
        assertEquals(11, findings.size(), lines(findings));
    }

    @Nested
    class StopTimeout {
        @Test
        void belowDrainPlusMarginFailsWithTheNeededValue() {
            ObjectNode t = goodTemplate();
            worker(t).put("StopTimeout", 600);
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", "600");
            Finding f = onlyFail(check(t));
            assertEquals(TASK_DEFINITION, f.resource());
            assertEquals("container 'worker' StopTimeout 600s is below profile 'support' drain_timeout 900s + safety margin 15s = 915s,"
                    + " so ECS would SIGKILL calls still draining", f.message());
            assertEquals("set StopTimeout to at least 915 and HOLDLINE_STOP_TIMEOUT to the same value, or lower drain_timeout to at most"
                    + " 585s in profile 'support'", f.fix());
        }

        @Test
        void belowAndDifferentFromTheVariableFailsTwice() {
            ObjectNode t = goodTemplate();
            worker(t).put("StopTimeout", "600"); // CloudFormation takes numbers as strings too
            List<Finding> fails = of(check(t), Severity.FAIL);
            assertEquals(2, fails.size(), lines(fails));
            assertTrue(fails.get(0).message().startsWith("container 'worker' StopTimeout 600s is below"), fails.get(0).line());
            assertEquals("container 'worker' HOLDLINE_STOP_TIMEOUT 915s differs from its StopTimeout 600s: the worker would plan drains"
                    + " that ECS cuts short with SIGKILL, and would not refuse a drain_timeout that does not fit", fails.get(1).message());
            assertEquals("set HOLDLINE_STOP_TIMEOUT to \"915\" and StopTimeout to 915", fails.get(1).fix());
        }

        @Test
        void everyProfileOverTheLimitIsNamedInTheFix() {
            ObjectNode t = goodTemplate();
            worker(t).put("StopTimeout", 200);
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", "200");
            assertEquals("set StopTimeout to at least 915 and HOLDLINE_STOP_TIMEOUT to the same value, or lower drain_timeout to at most"
                    + " 185s in profiles 'support', 'scheduling'", onlyFail(check(t)).fix());
        }

        @Test
        void absentFailsAndSaysEcsDefaultsTo30s() {
            ObjectNode t = goodTemplate();
            worker(t).remove("StopTimeout");
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", null);
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", null);
            List<Finding> fails = of(check(t), Severity.FAIL);
            assertEquals(2, fails.size(), lines(fails));
            Finding f = fails.getFirst();
            assertEquals("container 'worker' sets no StopTimeout, so ECS stops it 30s after SIGTERM (the ECS default; on EC2 the agent's"
                    + " ECS_CONTAINER_STOP_TIMEOUT if set), but profile 'support' drain_timeout 900s + safety margin 15s = 915s, so ECS"
                    + " would SIGKILL calls still draining", f.message());
            assertEquals("set StopTimeout: 915 on container 'worker' and HOLDLINE_STOP_TIMEOUT to \"915\", or lower drain_timeout to at"
                    + " most 15s in profiles 'support', 'scheduling', 'default'", f.fix());
            assertEquals("add HOLDLINE_STOP_TIMEOUT \"915\" to Environment, and set StopTimeout to 915", fails.get(1).fix());
        }

        @Test
        void absentWithTheVariableSetFailsTheMismatchToo() {
            ObjectNode t = goodTemplate();
            worker(t).remove("StopTimeout");
            List<Finding> fails = of(check(t), Severity.FAIL);
            assertEquals(2, fails.size(), lines(fails));
            assertEquals("container 'worker' HOLDLINE_STOP_TIMEOUT 915s differs from the 30s ECS uses without a StopTimeout: the worker"
                    + " would plan drains that ECS cuts short with SIGKILL, and would not refuse a drain_timeout that does not fit",
                    fails.get(1).message());
        }

        @Test
        void variableMismatchFails() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", "900s");
            Finding f = onlyFail(check(t));
            assertEquals("container 'worker' HOLDLINE_STOP_TIMEOUT 900s differs from its StopTimeout 915s: the worker would end calls at"
                    + " an earlier deadline than needed, or refuse a configuration that fits", f.message());
            assertEquals("set HOLDLINE_STOP_TIMEOUT to \"915\", the container's StopTimeout", f.fix());
        }

        @Test
        void variableInAnotherSpellingOfTheSameDurationPasses() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", "15m15s");
            assertEquals(List.of(), of(check(t), Severity.FAIL));
        }

        @Test
        void variableMissingFails() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", null);
            Finding f = onlyFail(check(t));
            assertEquals("container 'worker' has no HOLDLINE_STOP_TIMEOUT, so the worker cannot know its stop timeout (ECS does not tell"
                    + " a task) and would not refuse a drain_timeout that outlasts it", f.message());
            assertEquals("add HOLDLINE_STOP_TIMEOUT \"915\" to Environment, the container's StopTimeout", f.fix());
        }

        @Test
        void variableThatIsNotADurationFails() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", "fifteen minutes");
            assertEquals("container 'worker' HOLDLINE_STOP_TIMEOUT 'fifteen minutes' is not a duration (use 900s, 15m or PT15M), so the"
                    + " worker refuses to start", onlyFail(check(t)).message());
        }

        @Test
        void variableFromSecretsCannotBeVerified() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", null);
            worker(t).withArray("Secrets").addObject().put("Name", "HOLDLINE_STOP_TIMEOUT").put("ValueFrom", "arn:aws:ssm:...");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            assertEquals("cannot verify container 'worker' HOLDLINE_STOP_TIMEOUT: it comes from Secrets, which the template does not show",
                    of(findings, Severity.WARN).getFirst().message());
        }

        @Test
        void aContainerOverrideOfADrainTimeoutCounts() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT", "20m");
            Finding f = onlyFail(check(t));
            assertEquals("container 'worker' StopTimeout 915s is below profile 'support' drain_timeout 1200s"
                    + " (HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT) + safety margin 15s = 1215s, so ECS would SIGKILL calls still draining",
                    f.message());
        }

        @Test
        void aContainerOverrideOfTheMarginCounts() {
            ObjectNode t = goodTemplate();
            setEnv(t, "HOLDLINE_DRAIN_SAFETY_MARGIN", "30s");
            assertTrue(onlyFail(check(t)).message().contains("+ safety margin 30s (HOLDLINE_DRAIN_SAFETY_MARGIN) = 930s"));
        }

        @Test
        void aParameterCannotBeVerifiedAndIsNoCrash() {
            ObjectNode t = goodTemplate();
            worker(t).putObject("StopTimeout").put("Ref", "StopTimeoutSeconds");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL), lines(findings));
            List<Finding> warns = of(findings, Severity.WARN);
            assertEquals("cannot verify container 'worker' StopTimeout {\"Ref\":\"StopTimeoutSeconds\"}: it must be at least 915s"
                    + " (profile 'support' drain_timeout 900s + safety margin 15s = 915s)", warns.get(0).message());
            assertEquals("make sure it resolves to at least 915, with HOLDLINE_STOP_TIMEOUT equal to it", warns.get(0).fix());
            assertTrue(warns.get(1).message().startsWith("cannot verify that container 'worker' HOLDLINE_STOP_TIMEOUT 915s equals"));
        }

        @Test
        void onlyContainersWithHoldlineVariablesAreWorkers() {
            ObjectNode t = goodTemplate();
            ArrayNode containers = properties(t, TASK_DEFINITION).withArray("ContainerDefinitions");
            containers.addObject().put("Name", "log-router").put("Image", "amazon/aws-for-fluent-bit:stable").put("Essential", true);
            assertEquals(List.of(), of(check(t), Severity.FAIL));
        }
    }

    @Nested
    class Fargate {
        @Test
        void fargateCompatibilityWithALongDrainFails() {
            ObjectNode t = goodTemplate();
            properties(t, TASK_DEFINITION).putArray("RequiresCompatibilities").add("EC2").add("FARGATE");
            Finding f = onlyFail(check(t));
            assertEquals(TASK_DEFINITION, f.resource());
            assertEquals("RequiresCompatibilities [EC2, FARGATE] includes FARGATE, and Fargate caps stopTimeout at 120s, but profile"
                    + " 'support' drain_timeout 900s + safety margin 15s = 915s, so ECS would SIGKILL calls still draining (the worker"
                    + " refuses to start there)", f.message());
            assertEquals("run workers on EC2 (RequiresCompatibilities [\"EC2\"], an EC2 capacity provider or LaunchType EC2), or lower"
                    + " drain_timeout to at most 105s in profiles 'support', 'scheduling', 'default'", f.fix());
        }

        @Test
        void aServiceLaunchedOnFargateFails() {
            ObjectNode t = goodTemplate();
            properties(t, SERVICE).remove("CapacityProviderStrategy");
            properties(t, SERVICE).put("LaunchType", "FARGATE");
            Finding f = onlyFail(check(t));
            assertEquals(SERVICE, f.resource());
            assertTrue(f.message().startsWith("LaunchType is FARGATE, and Fargate caps stopTimeout at 120s"), f.line());
        }

        @Test
        void aFargateCapacityProviderFails() {
            ObjectNode t = goodTemplate();
            ((ObjectNode) properties(t, SERVICE).withArray("CapacityProviderStrategy").get(0)).put("CapacityProvider", "FARGATE_SPOT");
            assertTrue(onlyFail(check(t)).message().startsWith("its capacity provider strategy uses FARGATE_SPOT"));
        }

        @Test
        void fargateWithADrainThatFitsPasses() {
            ObjectNode t = goodTemplate();
            properties(t, TASK_DEFINITION).putArray("RequiresCompatibilities").add("FARGATE");
            worker(t).put("StopTimeout", 120);
            setEnv(t, "HOLDLINE_STOP_TIMEOUT", "120");
            ProfileConfig shortDrains = ProfileConfig.builder()
                    .profile(new CallProfile("default", Duration.ofSeconds(100), Duration.ofSeconds(20)))
                    .safetyMargin(Duration.ofSeconds(10))
                    .build();
            List<Finding> findings = TemplateChecker.check(t, shortDrains);
            assertEquals(List.of(), of(findings, Severity.FAIL), lines(findings));
            assertTrue(lines(findings).contains("OK   " + TASK_DEFINITION + ": RequiresCompatibilities [FARGATE] includes FARGATE; profile"
                    + " 'default' drain_timeout 100s + safety margin 10s = 110s fits Fargate's 120s stopTimeout cap."), lines(findings));
            // Fargate-only: no instances to protect, so the instance checks say nothing.
            assertTrue(findings.stream().noneMatch(f -> f.resource().equals(CAPACITY_PROVIDER)), lines(findings));
        }
    }

    @Nested
    class EntryPoint {
        @Test
        void shellFormFails() {
            ObjectNode t = goodTemplate();
            worker(t).putArray("EntryPoint").add("sh").add("-c").add("cd /app && java -jar worker.jar");
            worker(t).remove("LinuxParameters");
            Finding f = onlyFail(check(t));
            assertEquals("container 'worker' EntryPoint [\"sh\",\"-c\",\"cd /app && java -jar worker.jar\"] runs a shell: SIGTERM goes to"
                    + " the shell, not the JVM, so the worker never starts its drain and ECS SIGKILLs its calls at stopTimeout", f.message());
            assertEquals("use exec form [\"java\", ...], or make the shell exec the JVM (... && exec java ...) with"
                    + " LinuxParameters.InitProcessEnabled: true", f.fix());
        }

        @Test
        void shellFormInCommandWithoutEntryPointFails() {
            ObjectNode t = goodTemplate();
            worker(t).putArray("Command").add("/bin/bash").add("-ec").add("java -jar /app/worker.jar start");
            worker(t).putObject("LinuxParameters").put("InitProcessEnabled", false);
            assertTrue(onlyFail(check(t)).message().contains("Command [\"/bin/bash\",\"-ec\",\"java -jar /app/worker.jar start\"] runs a shell"));
        }

        @Test
        void shellEntryPointWithTheScriptInCommandFails() {
            ObjectNode t = goodTemplate();
            worker(t).putArray("EntryPoint").add("/bin/sh").add("-c");
            worker(t).putArray("Command").add("java -jar /app/worker.jar");
            worker(t).remove("LinuxParameters");
            assertTrue(onlyFail(check(t)).message().contains("runs a shell: SIGTERM goes to the shell, not the JVM"));
        }

        @Test
        void shellFormWithInitProcessIsAWarning() {
            ObjectNode t = goodTemplate(); // the fixture has InitProcessEnabled: true
            worker(t).putArray("EntryPoint").add("sh").add("-c").add("java -jar worker.jar");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL), lines(findings));
            Finding w = of(findings, Severity.WARN).getFirst();
            assertTrue(w.message().endsWith("runs a shell; LinuxParameters.InitProcessEnabled is true, so an init is PID 1 and forwards"
                    + " SIGTERM to the shell, but the shell does not pass it on to the JVM it started"), w.line());
        }

        @Test
        void aShellThatExecsTheJvmIsAWarning() {
            ObjectNode t = goodTemplate();
            worker(t).putArray("EntryPoint").add("sh").add("-c").add("cd /app && exec java -jar worker.jar");
            worker(t).remove("LinuxParameters");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            assertTrue(of(findings, Severity.WARN).getFirst().message().contains("runs a shell that execs its command"));
        }

        @Test
        void oneStringWithSpacesFails() {
            ObjectNode t = goodTemplate();
            worker(t).putArray("EntryPoint").add("java -jar /app/worker.jar");
            Finding f = onlyFail(check(t));
            assertTrue(f.message().contains("EntryPoint [\"java -jar /app/worker.jar\"] is one string with spaces"), f.line());
            assertEquals("split it into exec form, one argument per element: [\"java\", \"-jar\", \"/app/worker.jar\"]", f.fix());
        }

        @Test
        void execFormPassesAlsoBehindTini() {
            ObjectNode t = goodTemplate();
            worker(t).putArray("EntryPoint").add("/sbin/tini").add("--").add("java").add("-jar").add("/app/worker.jar");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            assertTrue(lines(findings).contains("EntryPoint [\"/sbin/tini\",\"--\",\"java\",\"-jar\",\"/app/worker.jar\"] is exec form"));
        }
    }

    @Nested
    class TaskRole {
        private ObjectNode statement(ObjectNode t, int i) {
            return (ObjectNode) properties(t, TASK_ROLE_POLICY).withObjectProperty("PolicyDocument").withArray("Statement").get(i);
        }

        @Test
        void missingUpdateTaskProtectionFails() {
            ObjectNode t = goodTemplate();
            statement(t, 0).put("Action", "ecs:GetTaskProtection");
            Finding f = onlyFail(check(t));
            assertEquals(TASK_ROLE, f.resource());
            assertEquals("the task role of " + TASK_DEFINITION + " does not allow ecs:UpdateTaskProtection, so the worker cannot turn on"
                    + " task scale-in protection: a deploy or scale-in may stop a task that holds calls", f.message());
            assertEquals("allow ecs:UpdateTaskProtection in a policy attached to " + TASK_ROLE + ", e.g. an AWS::IAM::Policy with Roles"
                    + " [{\"Ref\": \"" + TASK_ROLE + "\"}]", f.fix());
        }

        @Test
        void missingGetTaskProtectionAndDescribeServicesAreWarnings() {
            ObjectNode t = goodTemplate();
            statement(t, 0).put("Action", "ecs:UpdateTaskProtection");
            statement(t, 1).put("Action", "ecs:ListServices");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            List<Finding> warns = of(findings, Severity.WARN);
            assertEquals(2, warns.size(), lines(findings));
            assertTrue(warns.get(0).message().contains("does not allow ecs:GetTaskProtection, so the worker cannot read its protection state"));
            assertTrue(warns.get(1).message().contains("does not allow ecs:DescribeServices, so the deployment watcher is blind"));
        }

        @Test
        void wildcardsAndAStringActionCount() {
            ObjectNode t = goodTemplate();
            statement(t, 0).put("Action", "ecs:*");
            statement(t, 1).put("Action", "ECS:Describe*");
            assertTrue(lines(check(t)).contains("allows ecs:UpdateTaskProtection, ecs:GetTaskProtection, ecs:DescribeServices"));
            statement(t, 0).put("Action", "*");
            assertEquals(List.of(), of(check(t), Severity.FAIL));
        }

        @Test
        void anExplicitDenyWins() {
            ObjectNode t = goodTemplate();
            ArrayNode statements = properties(t, TASK_ROLE_POLICY).withObjectProperty("PolicyDocument").withArray("Statement");
            statements.addObject().put("Effect", "Deny").put("Action", "ecs:Update*").put("Resource", "*");
            Finding f = onlyFail(check(t));
            assertEquals("the task role of " + TASK_DEFINITION + " is denied ecs:UpdateTaskProtection by policy " + TASK_ROLE_POLICY
                    + ", so the worker cannot turn on task scale-in protection: a deploy or scale-in may stop a task that holds calls",
                    f.message());
        }

        @Test
        void inlinePoliciesAndARefToTheRoleCount() {
            ObjectNode t = goodTemplate();
            ((ObjectNode) t.withObjectProperty("Resources")).remove(TASK_ROLE_POLICY);
            ObjectNode inline = properties(t, TASK_ROLE).putArray("Policies").addObject().put("PolicyName", "protection");
            inline.putObject("PolicyDocument").putObject("Statement").put("Effect", "Allow").put("Resource", "*")
                    .putArray("Action").add("ecs:UpdateTaskProtection").add("ecs:GetTaskProtection").add("ecs:DescribeServices");
            properties(t, TASK_DEFINITION).putObject("TaskRoleArn").put("Ref", TASK_ROLE);
            assertEquals(List.of(), of(check(t), Severity.FAIL), lines(check(t)));
            assertEquals(List.of(), of(check(t), Severity.WARN), lines(check(t)));
        }

        @Test
        void aManagedPolicyFromOutsideTheTemplateCannotBeVerified() {
            ObjectNode t = goodTemplate();
            ((ObjectNode) t.withObjectProperty("Resources")).remove(TASK_ROLE_POLICY);
            properties(t, TASK_ROLE).putArray("ManagedPolicyArns").add("arn:aws:iam::123456789012:policy/holdline-worker");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL), lines(findings));
            assertTrue(of(findings, Severity.WARN).getFirst().message().startsWith("cannot verify that the task role of " + TASK_DEFINITION
                    + " allows ecs:UpdateTaskProtection: managed policy \"arn:aws:iam::123456789012:policy/holdline-worker\" is not in"
                    + " the template"), lines(findings));
        }

        @Test
        void noTaskRoleFails() {
            ObjectNode t = goodTemplate();
            properties(t, TASK_DEFINITION).remove("TaskRoleArn");
            Finding f = onlyFail(check(t));
            assertEquals(TASK_DEFINITION, f.resource());
            assertTrue(f.message().startsWith("has no TaskRoleArn"), f.line());
        }
    }

    @Nested
    class Deployment {
        private ObjectNode config(ObjectNode t) {
            return properties(t, SERVICE).withObjectProperty("DeploymentConfiguration");
        }

        @Test
        void minimumHealthy50Fails() {
            ObjectNode t = goodTemplate();
            config(t).put("MinimumHealthyPercent", 50);
            Finding f = onlyFail(check(t));
            assertEquals(SERVICE, f.resource());
            assertEquals("DeploymentConfiguration.MinimumHealthyPercent 50 lets a deploy stop 50% of the tasks before any replacement"
                    + " runs: every task not protected at that moment (idle ones, and any whose protection request has not gone through"
                    + " yet) gets SIGTERM and stops taking calls, and the service answers with 50% of its capacity until new tasks are up",
                    f.message());
            assertEquals("set DeploymentConfiguration.MinimumHealthyPercent to 100 (with MaximumPercent 200 ECS starts the new tasks"
                    + " first)", f.fix());
        }

        @Test
        void maximum150Fails() {
            ObjectNode t = goodTemplate();
            config(t).put("MaximumPercent", 150);
            Finding f = onlyFail(check(t));
            assertEquals("DeploymentConfiguration.MaximumPercent 150 is below the 200 a protected deploy needs: out-of-date tasks drain"
                    + " at once (they take no new calls) but stay until their last call ends, and ECS may start only 50% of the desired"
                    + " count beside them, so for up to the longest drain_timeout only those 50% take new calls", f.message());
            assertTrue(f.fix().startsWith("set DeploymentConfiguration.MaximumPercent to 200, so a full set of new tasks starts beside"
                    + " the draining ones"), f.line());
        }

        @Test
        void absentPercentagesAreEcsDefaultsAndPass() {
            ObjectNode t = goodTemplate();
            config(t).remove("MaximumPercent");
            config(t).remove("MinimumHealthyPercent");
            assertEquals(List.of(), of(check(t), Severity.FAIL));
        }

        @Test
        void noCircuitBreakerIsAWarning() {
            ObjectNode t = goodTemplate();
            config(t).remove("DeploymentCircuitBreaker");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            Finding w = of(findings, Severity.WARN).getFirst();
            assertEquals(SERVICE, w.resource());
            assertTrue(w.message().startsWith("no deployment circuit breaker: if the new revision cannot start"), w.line());
            assertEquals("set DeploymentConfiguration.DeploymentCircuitBreaker to {\"Enable\": true, \"Rollback\": true}", w.fix());
        }

        @Test
        void aCodeDeployControllerIsAWarning() {
            ObjectNode t = goodTemplate();
            properties(t, SERVICE).putObject("DeploymentController").put("Type", "CODE_DEPLOY");
            assertTrue(of(check(t), Severity.WARN).getFirst().message().contains("deployment watcher never drains"));
        }
    }

    @Nested
    class InstanceProtection {
        private ObjectNode asgProvider(ObjectNode t) {
            return properties(t, CAPACITY_PROVIDER).withObjectProperty("AutoScalingGroupProvider");
        }

        @Test
        void noManagedTerminationProtectionFails() {
            ObjectNode t = goodTemplate();
            asgProvider(t).put("ManagedTerminationProtection", "DISABLED");
            Finding f = onlyFail(check(t));
            assertEquals(CAPACITY_PROVIDER, f.resource());
            assertEquals("ManagedTerminationProtection is DISABLED, so a scale-in of the Auto Scaling group may terminate an instance"
                    + " whose workers hold calls, without a drain", f.message());
            assertEquals("set AutoScalingGroupProvider.ManagedTerminationProtection: ENABLED (it needs managed scaling, and the group's"
                    + " NewInstancesProtectedFromScaleIn: true)", f.fix());
        }

        @Test
        void unsetManagedTerminationProtectionFails() {
            ObjectNode t = goodTemplate();
            asgProvider(t).remove("ManagedTerminationProtection");
            assertTrue(onlyFail(check(t)).message().startsWith("ManagedTerminationProtection is not set (so DISABLED)"));
        }

        @Test
        void newInstancesNotProtectedFails() {
            ObjectNode t = goodTemplate();
            properties(t, ASG).put("NewInstancesProtectedFromScaleIn", false);
            Finding f = onlyFail(check(t));
            assertEquals(ASG, f.resource());
            assertEquals("NewInstancesProtectedFromScaleIn is false, so instances start unprotected and a scale-in may terminate one whose"
                    + " workers hold calls (the managed termination protection of " + CAPACITY_PROVIDER + " needs it)", f.message());
            assertEquals("set NewInstancesProtectedFromScaleIn: true on " + ASG + " (ECS then lifts protection only from instances that"
                    + " run no tasks)", f.fix());
        }

        @Test
        void managedDrainingDisabledIsAWarning() {
            ObjectNode t = goodTemplate();
            asgProvider(t).put("ManagedDraining", "DISABLED");
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            Finding w = of(findings, Severity.WARN).getFirst();
            assertTrue(w.message().startsWith("ManagedDraining is DISABLED: when Auto Scaling terminates an instance despite its protection"), w.line());
            assertEquals("set AutoScalingGroupProvider.ManagedDraining: ENABLED", w.fix());
        }

        @Test
        void anAutoScalingGroupWithoutAnyCapacityProviderFails() {
            ObjectNode t = goodTemplate();
            ObjectNode resources = (ObjectNode) t.get("Resources");
            resources.remove(CAPACITY_PROVIDER);
            resources.remove("ClusterCapacityProviderAssociations75B2B5D4");
            properties(t, SERVICE).remove("CapacityProviderStrategy");
            properties(t, SERVICE).put("LaunchType", "EC2");
            Finding f = onlyFail(check(t));
            assertEquals(ASG, f.resource());
            assertTrue(f.message().startsWith("no ECS capacity provider in this template uses it"), f.line());
        }

        @Test
        void aTemplateWithoutInstancesCannotVerify() {
            ObjectNode t = goodTemplate();
            ObjectNode resources = (ObjectNode) t.get("Resources");
            resources.remove(CAPACITY_PROVIDER);
            resources.remove(ASG);
            List<Finding> findings = check(t);
            assertEquals(List.of(), of(findings, Severity.FAIL));
            assertTrue(lines(findings).contains("WARN " + TASK_DEFINITION + ": cannot verify instance protection"), lines(findings));
        }
    }

    @Test
    void somethingThatIsNotATemplateIsRefused() {
        assertThrows(TemplateException.class, () -> check(Fixtures.JSON.createObjectNode().put("AWSTemplateFormatVersion", "2010-09-09")));
        ObjectNode noTask = goodTemplate();
        ((ObjectNode) noTask.get("Resources")).remove(TASK_DEFINITION);
        TemplateException e = assertThrows(TemplateException.class, () -> check(noTask));
        assertTrue(e.getMessage().startsWith("the template has no AWS::ECS::TaskDefinition resource"), e.getMessage());
    }

    @Test
    void intrinsicsEverywhereAreWarningsNeverCrashes() {
        ObjectNode t = goodTemplate();
        ObjectNode ifNode = Fixtures.JSON.createObjectNode();
        ifNode.putArray("Fn::If").add("IsProd").add(200).add(100);
        properties(t, SERVICE).withObjectProperty("DeploymentConfiguration").set("MaximumPercent", ifNode.deepCopy());
        properties(t, SERVICE).withObjectProperty("DeploymentConfiguration").set("MinimumHealthyPercent", ifNode.deepCopy());
        properties(t, ASG).set("NewInstancesProtectedFromScaleIn", ifNode.deepCopy());
        properties(t, CAPACITY_PROVIDER).withObjectProperty("AutoScalingGroupProvider").set("ManagedTerminationProtection", ifNode.deepCopy());
        properties(t, TASK_DEFINITION).set("RequiresCompatibilities", ifNode.deepCopy());
        worker(t).set("EntryPoint", ifNode.deepCopy());
        worker(t).withArray("Environment").addObject().put("Name", "HOLDLINE_PROFILE_SUPPORT_DRAIN_TIMEOUT").set("Value", ifNode.deepCopy());
        properties(t, TASK_ROLE_POLICY).withObjectProperty("PolicyDocument").withArray("Statement").addObject().put("Effect", "Allow")
                .set("Action", ifNode.deepCopy());
        List<Finding> findings = check(t);
        assertEquals(List.of(), of(findings, Severity.FAIL), lines(findings));
        assertTrue(of(findings, Severity.WARN).size() >= 7, lines(findings));
        assertTrue(of(findings, Severity.WARN).stream().allMatch(f -> f.message().startsWith("cannot verify")), lines(findings));
    }
}
