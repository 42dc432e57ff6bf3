package dev.holdline.worker.dispatch;

/**
 * Told how each offer was answered and how long the answer took, on the offer's hot path (the
 * socket's reader thread): it must be cheap and must not block or throw.
 */
@FunctionalInterface
public interface OfferObserver {
    /** Observes nothing. */
    OfferObserver NONE = (outcome, latencyNanos) -> {
    };

    /**
     * @param latencyNanos from the offer reaching the dispatcher to its answer handed to the socket
     *                     (includes a custom {@code onRequest})
     */
    void offerAnswered(OfferOutcome outcome, long latencyNanos);
}
