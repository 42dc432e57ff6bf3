package dev.holdline.worker.room;

/** Joining or using the room failed; the message says why (it never contains the token). */
public class RoomException extends Exception {
    public RoomException(String message) {
        super(message);
    }

    public RoomException(String message, Throwable cause) {
        super(message, cause);
    }
}
