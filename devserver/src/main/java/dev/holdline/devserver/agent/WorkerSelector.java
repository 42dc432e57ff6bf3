package dev.holdline.devserver.agent;

import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;

/**
 * Picks which worker gets an offer the way LiveKit's server does: at random, weighted by spare
 * capacity {@code 1 - load}.
 */
final class WorkerSelector {
    /**
     * Weight floor: a worker reporting load 1.0 while still saying {@code WS_AVAILABLE} remains
     * selectable, just rarely.
     */
    static final double MIN_WEIGHT = 0.05;

    private WorkerSelector() {}

    static <T> Optional<T> pick(List<T> candidates, ToDoubleFunction<T> load, RandomGenerator random) {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        double[] weights = new double[candidates.size()];
        double total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weight(load.applyAsDouble(candidates.get(i)));
            total += weights[i];
        }
        double point = random.nextDouble(total);
        for (int i = 0; i < weights.length; i++) {
            point -= weights[i];
            if (point < 0) {
                return Optional.of(candidates.get(i));
            }
        }
        return Optional.of(candidates.getLast()); // rounding left a sliver past the end
    }

    static double weight(double load) {
        double clamped = Double.isNaN(load) ? 1.0 : Math.min(1.0, Math.max(0.0, load));
        return Math.max(1.0 - clamped, MIN_WEIGHT);
    }
}
