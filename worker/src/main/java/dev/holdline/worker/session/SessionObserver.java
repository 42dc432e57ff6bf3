package dev.holdline.worker.session;

import dev.holdline.worker.handler.EndReason;
import dev.holdline.worker.handler.Session;
import dev.holdline.worker.logging.SessionLogContext;

/**
 * Told when sessions start and end (metrics, the admin API's session list and event stream).
 * Calls come from the session's own thread: keep them short; one that throws is logged and
 * changes nothing for the session.
 */
public interface SessionObserver {
    /** Observes nothing. */
    SessionObserver NONE = new SessionObserver() {
    };

    /** The session's thread has started and {@code JS_RUNNING} was sent; the handler runs next. */
    default void sessionStarted(Session session, SessionLogContext context) {
    }

    /**
     * The session has ended and its final status was reported; its slot is freed right after.
     *
     * @param succeeded false when the job was reported {@code JS_FAILED}
     * @param error     the error text reported with it, empty on success
     */
    default void sessionEnded(Session session, SessionLogContext context, EndReason reason, boolean succeeded,
                              String error) {
    }

    /** The handler joined the session's room ({@code Session.connect} returned). */
    default void roomJoined(Session session, SessionLogContext context) {
    }

    /** The first frame of audio from the room arrived. Called on a media thread: return at once. */
    default void firstAudio(Session session, SessionLogContext context) {
    }
}
