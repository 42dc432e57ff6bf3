package dev.holdline.lifecycle.ecs;

/**
 * The worker is on ECS ({@value EcsTaskMetadata#METADATA_URI_ENV} is set) but cannot read its
 * task metadata. Not skipped silently: without the metadata the worker cannot tell whether it
 * runs on Fargate, whose stopTimeout cap its drain must fit in. The message names the variable
 * and the URL.
 */
public final class EcsMetadataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EcsMetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
