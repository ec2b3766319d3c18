package dev.sandbox.junit;

import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.platform.commons.support.AnnotationSupport;
import org.testcontainers.DockerClientFactory;

/**
 * The extension behind {@link WithCluster}. Package-private, like JUnit's own {@code
 * TempDirectory}: users meet it only through the annotation.
 */
@SuppressWarnings("deprecation") // getOrComputeIfAbsent: the one of 5.10; 6 keeps it, deprecated
final class SandboxExtension
    implements ExecutionCondition,
        BeforeAllCallback,
        TestInstancePostProcessor,
        ParameterResolver,
        TestWatcher {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SandboxExtension.class);

  /** What any stack can inject; each backing service on the classpath adds its endpoint type. */
  private static final List<Class<?>> SUPPORTED =
      List.of(Sandbox.class, KubernetesClient.class, ClusterNamespace.class);

  private static List<Class<?>> supported() {
    List<Class<?>> types = new java.util.ArrayList<>(SUPPORTED);
    types.addAll(Sandbox.endpointTypes());
    return types;
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestClass().isPresent()) {
      Stack.Target target;
      try {
        target = settings(context).stack().target();
      } catch (RuntimeException unreadable) {
        // a broken stack file fails the class when it starts, with the parser's own message
        target = Stack.Target.local();
      }
      if (target.isCluster()) {
        // a shared cluster needs no Docker engine here (kustomize renders with kubectl or, else,
        // in a container: the start says so if neither is there)
        return ConditionEvaluationResult.enabled(
            "runs on the cluster of context " + target.context().orElseThrow());
      }
    }
    boolean available =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent("docker-available", key -> dockerAvailable(), Boolean.class);
    if (available) {
      return ConditionEvaluationResult.enabled("a Docker engine answers");
    }
    if (Settings.requireDocker(System.getenv())) {
      throw new ExtensionConfigurationException(
          "@WithCluster needs a Docker engine and none answered. In CI (a CI variable such as CI,"
              + " JENKINS_URL, GITHUB_ACTIONS, GITLAB_CI, BUILDKITE or TF_BUILD is set) or with -D"
              + Settings.REQUIRE_DOCKER_PROPERTY
              + "=true a missing engine is a failure, not a skip: start dockerd or set DOCKER_HOST,"
              + " then run `sandbox doctor`.");
    }
    return ConditionEvaluationResult.disabled(
        "No Docker engine answered: skipping @WithCluster tests."
            + " Start Docker (or set DOCKER_HOST) to run them; `sandbox doctor` says what is missing.");
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    SharedSandbox shared = shared(context);
    Settings settings = settings(context);
    if (settings.annotation().namespacePerClass()) {
      classNamespace(context, shared, settings);
    }
  }

  @Override
  public void postProcessTestInstance(Object instance, ExtensionContext context)
      throws IllegalAccessException {
    for (Class<?> type = instance.getClass();
        type != null && type != Object.class;
        type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (!field.isAnnotationPresent(InjectSandbox.class)) {
          continue;
        }
        if (Modifier.isStatic(field.getModifiers()) || Modifier.isFinal(field.getModifiers())) {
          throw new ExtensionConfigurationException(
              "@InjectSandbox field "
                  + type.getSimpleName()
                  + "."
                  + field.getName()
                  + " must be neither static nor final.");
        }
        field.setAccessible(true);
        field.set(
            instance,
            resolve(field.getType(), type.getSimpleName() + "." + field.getName(), context));
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return supported().contains(parameter.getParameter().getType())
        || parameter.isAnnotated(InjectSandbox.class);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    String name =
        parameter.getDeclaringExecutable().getName()
            + "("
            + parameter.getParameter().getName()
            + ")";
    try {
      return resolve(parameter.getParameter().getType(), name, context);
    } catch (ExtensionConfigurationException e) {
      throw new ParameterResolutionException(e.getMessage(), e);
    }
  }

  private Object resolve(Class<?> type, String where, ExtensionContext context) {
    SharedSandbox shared = shared(context);
    Sandbox sandbox = shared.sandbox();
    if (type == Sandbox.class) {
      return sandbox;
    }
    if (type == KubernetesClient.class) {
      return sandbox.client();
    }
    if (Sandbox.endpointTypes().contains(type)) {
      return sandbox
          .endpoint(type)
          .orElseThrow(
              () ->
                  new ExtensionConfigurationException(
                      where
                          + " asks for a "
                          + type.getSimpleName()
                          + ", but the stack does not run that service ("
                          + Sandbox.enablingKey(type).orElse("services")
                          + ": false)."));
    }
    if (type == ClusterNamespace.class) {
      return Optional.ofNullable(
              classStore(context).get(ClassNamespaceResource.class, ClassNamespaceResource.class))
          .map(ClassNamespaceResource::namespace)
          .orElseThrow(
              () ->
                  new ExtensionConfigurationException(
                      where
                          + " asks for a ClusterNamespace, but the class does not have one: use @WithCluster(namespacePerClass = true)."));
    }
    throw new ExtensionConfigurationException(
        where
            + " has type "
            + type.getName()
            + ", which @WithCluster cannot inject."
            + " Supported types: "
            + supported().stream().map(Class::getSimpleName).collect(Collectors.joining(", "))
            + ".");
  }

  /**
   * Collects diagnostics for a failed test without touching its exception: the throwable keeps its
   * type (an {@code AssertionFailedError} keeps expected and actual for the IDE's diff) and gains a
   * suppressed {@link SandboxDiagnostics} naming the folder, which is also published as a report
   * entry. Tests skipped by an assumption never get here.
   */
  @Override
  public void testFailed(ExtensionContext context, Throwable failure) {
    if (failure instanceof ParameterResolutionException
        || failure instanceof ExtensionConfigurationException) {
      return; // the extension's own message says everything
    }
    Optional<SharedSandbox> shared =
        Optional.ofNullable(
                context
                    .getRoot()
                    .getStore(NAMESPACE)
                    .get(settings(context).key(), StartAttempt.class))
            .flatMap(StartAttempt::started);
    if (shared.isEmpty()) {
      return;
    }
    Optional<String> namespace =
        Optional.ofNullable(
                classStore(context).get(ClassNamespaceResource.class, ClassNamespaceResource.class))
            .map(r -> r.namespace().name());
    Path folder =
        Path.of(
                "target",
                "sandbox-reports",
                context.getRequiredTestClass().getName(),
                context.getRequiredTestMethod().getName())
            .toAbsolutePath();
    String note;
    try {
      shared.get().sandbox().writeDiagnostics(folder, namespace);
      note = "Sandbox diagnostics (events, pods, last log lines): " + folder;
      List<String> notes = shared.get().notes();
      if (!notes.isEmpty()) {
        // policy verdicts and stand-ins do not fail a test, but may well explain why it failed
        note += "\nWhat the sandbox reported while deploying:\n  " + String.join("\n  ", notes);
      }
      context.publishReportEntry("sandbox.diagnostics", folder.toString());
    } catch (RuntimeException e) {
      note = "Sandbox diagnostics could not be collected: " + e.getMessage();
    }
    failure.addSuppressed(new SandboxDiagnostics(note));
  }

  private static SharedSandbox shared(ExtensionContext context) {
    Settings settings = settings(context);
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            settings.key(),
            key ->
                StartAttempt.run(
                    settings.stack().name(),
                    context.getRequiredTestClass().getName(),
                    () -> {
                      SandboxEngine engine =
                          new SandboxEngine(
                              SandboxConfig.fromEnvironment(System.getenv(), Settings.home()),
                              Settings.stateRoot());
                      return Settings.outerSandbox()
                          .flatMap(outer -> SharedSandbox.attach(engine, settings.stack(), outer))
                          .orElseGet(
                              () ->
                                  SharedSandbox.start(
                                      engine,
                                      settings.stack(),
                                      settings.persistent(),
                                      settings.quiet()));
                    }),
            StartAttempt.class)
        .sandbox();
  }

  private static void classNamespace(
      ExtensionContext context, SharedSandbox shared, Settings settings) {
    classStore(context)
        .getOrComputeIfAbsent(
            ClassNamespaceResource.class,
            key -> ClassNamespaceResource.create(shared, settings, context.getRequiredTestClass()),
            ClassNamespaceResource.class);
  }

  private static ExtensionContext.Store classStore(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext.getStore(NAMESPACE);
  }

  static Settings settings(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    WithCluster annotation =
        AnnotationSupport.findAnnotation(testClass, WithCluster.class)
            .or(
                () ->
                    context
                        .getParent()
                        .flatMap(p -> p.getTestClass())
                        .flatMap(c -> AnnotationSupport.findAnnotation(c, WithCluster.class)))
            .orElseThrow(
                () ->
                    new ExtensionConfigurationException(
                        testClass.getName() + " is not annotated with @WithCluster."));
    return Settings.of(annotation);
  }

  /**
   * Added as a suppressed exception to a failed test's own throwable: where its sandbox diagnostics
   * went. No stack trace: it marks a place, not a failure.
   */
  static final class SandboxDiagnostics extends RuntimeException {
    SandboxDiagnostics(String message) {
      super(message, null, false, false);
    }
  }
}
