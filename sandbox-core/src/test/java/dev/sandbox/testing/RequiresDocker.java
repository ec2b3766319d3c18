package dev.sandbox.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class only where a Docker engine answers. Without one it is skipped with
 * a clear message — unless the system property {@code sandbox.requireDocker} is {@code true} (set
 * by CI), in which case a missing engine fails the run instead of hiding behind skips.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DockerCondition.class)
public @interface RequiresDocker {}
