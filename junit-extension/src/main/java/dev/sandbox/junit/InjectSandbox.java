package dev.sandbox.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field (or parameter) of a {@link WithCluster} test class to be injected with a {@code
 * Sandbox}, {@code KubernetesClient}, {@code PostgresEndpoint}, {@code RabbitEndpoint} or {@code
 * ClusterNamespace}. Parameters of those types need no annotation.
 */
@Documented
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface InjectSandbox {}
