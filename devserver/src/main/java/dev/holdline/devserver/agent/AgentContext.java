package dev.holdline.devserver.agent;

import dev.holdline.devserver.events.EventLog;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import livekit.LivekitModels.ServerInfo;

/**
 * What every agent connection needs from the server; one instance per server.
 *
 * @param openConnections every open {@code /agent} socket, registered or not (thread-safe set),
 *     so that shutdown can close them with a proper close frame
 */
record AgentContext(
        WorkerRegistry workers,
        JobDispatcher dispatcher,
        EventLog<AgentEvent> events,
        ScheduledExecutorService timer,
        Duration registerTimeout,
        Clock clock,
        ServerInfo serverInfo,
        Set<AgentConnection> openConnections) {}
