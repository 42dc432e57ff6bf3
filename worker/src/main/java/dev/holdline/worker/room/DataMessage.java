package dev.holdline.worker.room;

/** A data message a participant sent ({@code topic} may be empty). */
public record DataMessage(String senderIdentity, String topic, byte[] payload) {
    public DataMessage {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public String text() {
        return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }
}
