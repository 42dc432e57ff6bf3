package dev.holdline.infra.check;

/**
 * The template cannot be checked at all: the file is missing or unreadable, is not JSON or YAML,
 * or is not a CloudFormation template with ECS task definitions. The message names the file (when
 * there is one) and the problem; {@code infra check} prints it and exits 2.
 */
public final class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
