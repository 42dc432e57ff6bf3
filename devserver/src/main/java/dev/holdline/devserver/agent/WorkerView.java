package dev.holdline.devserver.agent;

import livekit.LivekitAgent.WorkerStatus;

/** A snapshot of one registered worker; {@code connected} is false once its socket has closed. */
public record WorkerView(
        String workerId, String agentName, WorkerStatus status, float load, int jobCount, boolean connected) {}
