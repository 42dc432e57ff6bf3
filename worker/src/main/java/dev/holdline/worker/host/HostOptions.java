package dev.holdline.worker.host;

import dev.holdline.scheduler.hosts.HostPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Whether and how sessions run in session hosts: child JVMs of the worker (the supervisor) that
 * run handler code and media, so that a native fault or a leak costs only that host's calls
 * (DESIGN.md §2). Every default is stated here, once, on {@link Builder}.
 *
 * @param enabled           false: sessions run in the worker's own JVM
 * @param sessionsPerHost   K, sessions one host runs at once
 * @param recycleAfter      N, sessions a host is given before it retires
 * @param memoryLimitMb     resident memory past which a host retires
 * @param warmHosts         started hosts with room kept ready
 * @param heartbeatInterval how often a host reports its health
 * @param heartbeatTimeout  a host silent this long is killed and its sessions reported failed
 * @param startTimeout      a host not attached this long after its start is killed
 * @param jvmOptions        options of the host JVMs (before the main class)
 * @param classDataDir      where the hosts' class-data archive is kept; null: none
 */
public record HostOptions(boolean enabled, int sessionsPerHost, int recycleAfter, int memoryLimitMb, int warmHosts,
                          Duration heartbeatInterval, Duration heartbeatTimeout, Duration startTimeout,
                          List<String> jvmOptions, Path classDataDir) {

    /** Sessions run in the worker's own JVM (the builder's default; the CLI's {@code start} uses hosts). */
    public static final HostOptions IN_PROCESS = builder().enabled(false).build();

    public HostOptions {
        jvmOptions = List.copyOf(jvmOptions);
    }

    @Override
    public String toString() {
        return enabled ? "HostOptions[K=" + sessionsPerHost + ", N=" + recycleAfter + ", " + memoryLimitMb + " MB, warm="
                + warmHosts + ", heartbeat " + heartbeatInterval + "/" + heartbeatTimeout + "]" : "in process";
    }

    /** Session hosts with every default below. */
    public static HostOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The handler a worker runs with: {@code handler}, else a new {@code handlerClass}. Session
     * hosts need the class (a host constructs its own handler), and it must be constructible there.
     *
     * @throws IllegalArgumentException naming the setting and the fix
     */
    public static dev.holdline.worker.handler.AgentHandler checkHandler(dev.holdline.worker.handler.AgentHandler handler,
            Class<? extends dev.holdline.worker.handler.AgentHandler> handlerClass, HostOptions hosts) {
        if (handlerClass == null) {
            if (handler == null) {
                throw new IllegalArgumentException("handler is not set: call Worker.builder().handler(...) or handlerClass(...)");
            }
            if (hosts.enabled()) {
                throw new IllegalArgumentException("session hosts construct the handler themselves, so they need its class: call "
                        + "Worker.builder().handlerClass(YourHandler.class) (public, with a public no-arg constructor), "
                        + "or run sessions in this JVM with sessionHosts(HostOptions.IN_PROCESS)");
            }
            return handler;
        }
        String name = handlerClass.getName();
        int m = handlerClass.getModifiers();
        if (!java.lang.reflect.Modifier.isPublic(m) || java.lang.reflect.Modifier.isAbstract(m) || handlerClass.isInterface()
                || handlerClass.isAnonymousClass() || handlerClass.isLocalClass() || handlerClass.isSynthetic()
                || (handlerClass.isMemberClass() && !java.lang.reflect.Modifier.isStatic(m))) {
            throw new IllegalArgumentException("handlerClass " + name + " cannot be constructed by a session host: make it a "
                    + "public, concrete, top-level or static nested class (not a lambda or an anonymous class)");
        }
        try {
            if (!java.lang.reflect.Modifier.isPublic(handlerClass.getConstructor().getModifiers())) {
                throw new NoSuchMethodException();
            }
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("handlerClass " + name + " needs a public no-arg constructor: session hosts "
                    + "construct it with one");
        }
        if (handler != null) {
            if (handler.getClass() != handlerClass) {
                throw new IllegalArgumentException("handler (" + handler.getClass().getName() + ") and handlerClass (" + name
                        + ") disagree: set only handlerClass, or a handler of that class");
            }
            return handler;
        }
        try {
            return handlerClass.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("handlerClass " + name + " could not be constructed: " + cause);
        }
    }

    /** The pool policy these options describe. */
    public HostPolicy policy() {
        return new HostPolicy(sessionsPerHost, recycleAfter, memoryLimitMb * 1024L * 1024L, warmHosts,
                heartbeatTimeout, startTimeout);
    }

    public static final class Builder {
        /** Run sessions in hosts. Default true (a {@code HostOptions} built at all is meant to be used). */
        private boolean enabled = true;
        /**
         * K, sessions one host runs at once. Default 16 (DESIGN.md §7 sizes memory per session with
         * K = 16); lower it for more isolation, 1 gives every call a process of its own.
         */
        private int sessionsPerHost = 16;
        /**
         * N, sessions a host is given before it retires (takes no more, exits when its last one
         * ends). Default 200: webrtc-java keeps about 0.6 MB per peer connection it never frees.
         */
        private int recycleAfter = 200;
        /** Resident memory (MB) past which a host retires the same way. Default 1024. */
        private int memoryLimitMb = 1024;
        /** Started hosts with room kept ready, so no call waits for a JVM to start. Default 1; 0 starts hosts on demand. */
        private int warmHosts = 1;
        /** How often a host sends its health (RSS, threads, sessions). Default 1 s. */
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        /**
         * A host silent this long is killed and its sessions are reported {@code JS_FAILED}. Default
         * 10 s: long enough for a GC pause or a starved CPU, short enough that LiveKit hears soon.
         */
        private Duration heartbeatTimeout = Duration.ofSeconds(10);
        /**
         * A host not attached this long after its process started is killed. Default 60 s: a host
         * starts in about a second, but 8-24 s were seen on a 2-core machine saturated by builds.
         */
        private Duration startTimeout = Duration.ofSeconds(60);
        /**
         * Options of the host JVMs, placed before the main class. Default none: a host takes no
         * option of the worker's JVM (its {@code -Xmx} was sized for the supervisor). The host always
         * gets {@code --enable-native-access=ALL-UNNAMED} (webrtc-java) and the worker's
         * {@code HOLDLINE_LOG_*} system properties.
         */
        private List<String> jvmOptions = List.of();
        /**
         * Where the hosts' class-data archive (AppCDS) is kept: made once per JDK, class path and
         * handler by a background trainer, it lets a host attach in ~0.7 s instead of ~2.5 s. Default
         * {@code ${java.io.tmpdir}/holdline-cds-<user>}, which must be private to this user (it is
         * created so); {@code null} turns the archive off.
         */
        private Path classDataDir = HostClassData.defaultDir();

        private Builder() {
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder sessionsPerHost(int k) {
            this.sessionsPerHost = k;
            return this;
        }

        public Builder recycleAfter(int n) {
            this.recycleAfter = n;
            return this;
        }

        public Builder memoryLimitMb(int mb) {
            this.memoryLimitMb = mb;
            return this;
        }

        public Builder warmHosts(int warmHosts) {
            this.warmHosts = warmHosts;
            return this;
        }

        public Builder heartbeat(Duration interval, Duration timeout) {
            this.heartbeatInterval = Objects.requireNonNull(interval, "interval");
            this.heartbeatTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
            return this;
        }

        public Builder jvmOptions(List<String> jvmOptions) {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        public Builder classDataDir(Path dir) {
            this.classDataDir = dir;
            return this;
        }

        /** Validates and builds. Errors name the setting and the fix. */
        public HostOptions build() {
            if (sessionsPerHost < 1) {
                throw new IllegalArgumentException("sessionsPerHost must be at least 1 (1 = a process per call), was "
                        + sessionsPerHost);
            }
            if (recycleAfter < sessionsPerHost) {
                throw new IllegalArgumentException("recycleAfter (" + recycleAfter + ") is below sessionsPerHost ("
                        + sessionsPerHost + "): a host would retire before it is ever full; raise recycleAfter to at least "
                        + sessionsPerHost + " or lower sessionsPerHost");
            }
            if (memoryLimitMb < 64) {
                throw new IllegalArgumentException("memoryLimitMb must be at least 64 (an idle host JVM uses ~50 MB), was "
                        + memoryLimitMb);
            }
            if (warmHosts < 0) {
                throw new IllegalArgumentException("warmHosts must be 0 or more, was " + warmHosts);
            }
            if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
                throw new IllegalArgumentException("heartbeat interval must be positive, was " + heartbeatInterval);
            }
            if (heartbeatTimeout.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
                throw new IllegalArgumentException("heartbeat timeout (" + heartbeatTimeout + ") must be at least three "
                        + "heartbeat intervals (" + heartbeatInterval + "), or one late heartbeat kills a healthy host; "
                        + "raise the timeout or shorten the interval");
            }
            if (startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
            }
            return new HostOptions(enabled, sessionsPerHost, recycleAfter, memoryLimitMb, warmHosts, heartbeatInterval,
                    heartbeatTimeout, startTimeout, jvmOptions, classDataDir);
        }
    }
}
