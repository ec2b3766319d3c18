package dev.sandbox.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against a sandbox: k3s, PostgreSQL, RabbitMQ, policies and
 * monitoring, with the stack's production manifests applied.
 *
 * <p>One sandbox per distinct stack per JVM: it starts on first use and closes when the test plan
 * ends, so many test classes pay the start-up once. With {@link #reuse()} (and outside CI), the
 * next run finds the same containers when the stack file is unchanged.
 *
 * <p>Inject {@code Sandbox}, {@code KubernetesClient}, {@code PostgresEndpoint}, {@code
 * RabbitEndpoint} or {@code ClusterNamespace} into test method parameters, constructors, or fields
 * annotated {@link InjectSandbox}.
 *
 * <p>Meta-annotatable: a team can declare {@code @WithCluster(stack = "sandbox.yaml") @interface
 * OrdersSandbox {}} once.
 *
 * <pre>
 * &#64;WithCluster
 * class OrdersIT {
 *   &#64;Test
 *   void stores_orders(PostgresEndpoint db, KubernetesClient k8s) { ... }
 * }
 * </pre>
 */
@Documented
@Inherited
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SandboxExtension.class)
public @interface WithCluster {

  /**
   * The stack file, relative to the working directory. Empty: {@code sandbox.yaml} in the working
   * directory when it exists, else the embedded default stack.
   */
  String stack() default "";

  /**
   * Keep the sandbox running after the test plan and reuse it in the next run while the stack file
   * is unchanged. Ignored in CI (the {@code CI} variable or another CI server's variable such as
   * {@code JENKINS_URL} or {@code GITHUB_ACTIONS} is set): there nothing is reused and everything
   * is removed. Without reuse, the sandbox is named after the stack plus a random run suffix, so
   * concurrent builds on one Docker engine never meet. Across JVMs it needs Testcontainers' own
   * switch {@code testcontainers.reuse.enable=true} in {@code ~/.testcontainers.properties}.
   */
  boolean reuse() default false;

  /**
   * Give the class a fresh namespace, apply {@link #manifests()} into it, and delete it after the
   * class, so classes cannot see each other's objects.
   */
  boolean namespacePerClass() default false;

  /**
   * Manifests (files or folders, relative to the working directory) applied into the class
   * namespace.
   */
  String[] manifests() default {};

  /**
   * Readiness timeout such as {@code 90s} or {@code 5m}; empty: the stack's {@code
   * readiness.timeout}. Not part of the sandbox's identity: classes of the same stack share one
   * sandbox whatever their timeouts, and the timeout of the class that starts it applies.
   */
  String readinessTimeout() default "";

  /**
   * Print nothing while the sandbox starts. By default each component prints one line to standard
   * output as it becomes ready, so a run is never silent for minutes; the system property {@code
   * sandbox.quiet=true} silences every class at once.
   */
  boolean quiet() default false;
}
