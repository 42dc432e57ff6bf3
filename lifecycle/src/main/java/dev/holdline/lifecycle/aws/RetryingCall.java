package dev.holdline.lifecycle.aws;

import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AWS call with retries: each try runs on the watcher's {@link TaskScheduler}, and the wait
 * between tries is scheduled there too (from resilience4j's async context) rather than slept, so a
 * watcher's thread is never parked in a backoff and tests that drive a manual timer own every wait.
 */
final class RetryingCall<T> {
    private static final Logger log = LoggerFactory.getLogger(RetryingCall.class);

    /** What happens when every try failed (or the error was not worth another). */
    @FunctionalInterface
    interface Failure {
        /** @param attempts tries made, including the last */
        void failed(Exception last, int attempts);
    }

    private final TaskScheduler scheduler;
    private final String what;
    private final Callable<T> call;
    private final Consumer<T> succeeded;
    private final Failure failed;
    private final Retry.AsyncContext<T> context;
    private int attempts;

    private RetryingCall(TaskScheduler scheduler, Retry retry, String what, Callable<T> call,
                         Consumer<T> succeeded, Failure failed) {
        this.scheduler = scheduler;
        this.what = what;
        this.call = call;
        this.succeeded = succeeded;
        this.failed = failed;
        this.context = retry.asyncContext();
    }

    /** Makes the first try at once, on the calling thread (a scheduler task). */
    static <T> void run(TaskScheduler scheduler, Retry retry, String what, Callable<T> call,
                        Consumer<T> succeeded, Failure failed) {
        new RetryingCall<>(scheduler, retry, what, call, succeeded, failed).attempt();
    }

    private void attempt() {
        if (scheduler.closed()) {
            return;
        }
        attempts++;
        T value;
        try {
            value = call.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // only when the watcher is being closed
        } catch (Exception e) {
            if (scheduler.closed()) {
                return;
            }
            long waitMillis = context.onError(e);
            if (waitMillis < 0) {
                failed.failed(e, attempts);
            } else {
                log.debug("{} failed (try {}): {}; trying again in {} ms", what, attempts, AwsErrors.describe(e), waitMillis);
                scheduler.schedule(Duration.ofMillis(waitMillis), this::attempt);
            }
            return;
        }
        context.onComplete();
        succeeded.accept(value);
    }
}
