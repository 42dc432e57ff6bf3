package dev.holdline.examples;

import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.room.AudioFrame;
import dev.holdline.worker.room.AudioOutput;
import dev.holdline.worker.room.AudioStream;
import dev.holdline.worker.room.Participant;
import dev.holdline.worker.room.Room;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the caller's audio back to them {@value #DELAY_MILLIS} ms later. The session ends when the
 * caller leaves (their stream ends) or the job is terminated.
 */
public final class EchoAgent implements AgentHandler {
    static final int DELAY_MILLIS = 200;
    private static final Logger log = LoggerFactory.getLogger(EchoAgent.class);

    @Override
    public void run(Session session) throws Exception {
        Room room = session.connect();
        Optional<Participant> caller = room.waitForParticipant(Duration.ofSeconds(30));
        if (caller.isEmpty()) {
            log.info("Job {}: no caller joined within 30 s; leaving", session.job().id());
            return;
        }
        AudioOutput out = room.audioOutput();
        // The delay lives in the output's own buffer: primed with silence, it also absorbs the
        // jitter of arriving frames (a delay line in front of an empty buffer would not, and every
        // late frame would become a gap).
        int delayFrames = Math.min(DELAY_MILLIS / AudioFrame.FRAME_MILLIS, out.bufferFrames());
        for (int i = 0; i < delayFrames; i++) {
            out.write(AudioFrame.silence(AudioFrame.ROOM_RATE));
        }
        try (AudioStream in = room.audioStream(caller.get(), AudioFrame.ROOM_RATE)) {
            AudioFrame frame;
            while ((frame = in.read()) != null) {
                if (!out.write(frame)) {
                    break;
                }
            }
        }
        log.info("Job {}: echo ended ({})", session.job().id(), session.endReason().map(Enum::name).orElse("stream ended"));
    }
}
