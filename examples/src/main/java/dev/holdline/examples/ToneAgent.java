package dev.holdline.examples;

import dev.holdline.worker.handler.AgentHandler;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.room.AudioFrame;
import dev.holdline.worker.room.AudioOutput;
import dev.holdline.worker.room.AudioStream;
import dev.holdline.worker.room.Participant;
import dev.holdline.worker.room.Room;
import dev.holdline.worker.room.SineWave;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Plays a 440 Hz tone and logs the caller's loudness (RMS) once a second. */
public final class ToneAgent implements AgentHandler {
    static final double FREQUENCY = 440.0;
    private static final Logger log = LoggerFactory.getLogger(ToneAgent.class);

    @Override
    public void run(Session session) throws Exception {
        Room room = session.connect();
        Optional<Participant> caller = room.waitForParticipant(Duration.ofSeconds(30));
        if (caller.isEmpty()) {
            log.info("Job {}: no caller joined within 30 s; leaving", session.job().id());
            return;
        }
        AudioStream in = room.audioStream(caller.get(), 16_000);
        Thread listener = Thread.ofVirtual().name("tone-listen-" + session.job().id()).start(() -> logLoudness(session, in));
        AudioOutput out = room.audioOutput();
        SineWave tone = new SineWave(FREQUENCY, 0.3, AudioFrame.ROOM_RATE);
        try {
            while (!session.isEnding() && !in.isEnded()) {
                if (!out.write(tone.next())) {
                    break;
                }
            }
        } finally {
            in.close();
            listener.join();
        }
    }

    private static void logLoudness(Session session, AudioStream in) {
        double sum = 0;
        int n = 0;
        try {
            AudioFrame f;
            while ((f = in.read()) != null) {
                sum += f.rms() * f.rms();
                if (++n == 100) {
                    log.info("Job {}: caller RMS {}", session.job().id(), Math.round(Math.sqrt(sum / n)));
                    sum = 0;
                    n = 0;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
