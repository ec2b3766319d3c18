package dev.sandbox.junit;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A namespace owned by one test class: created with its manifests, deleted after the class. Both
 * {@link AutoCloseable} and the deprecated {@code CloseableResource}, like {@link StartAttempt}, so
 * that Jupiter 5.10 to 6 all close it.
 */
@SuppressWarnings("deprecation") // CloseableResource: the only way JUnit 5.10-5.12 close a value
final class ClassNamespaceResource
    implements AutoCloseable, ExtensionContext.Store.CloseableResource {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final SharedSandbox shared;
  private final ClusterNamespace namespace;

  private ClassNamespaceResource(SharedSandbox shared, ClusterNamespace namespace) {
    this.shared = shared;
    this.namespace = namespace;
  }

  static ClassNamespaceResource create(
      SharedSandbox shared, Settings settings, Class<?> testClass) {
    String base = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    base = base.substring(0, Math.min(40, base.length())).replaceAll("^-+|-+$", "");
    String name = "t-" + base + "-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    Path workingDirectory = Path.of("").toAbsolutePath();
    List<Path> manifests =
        Arrays.stream(settings.annotation().manifests()).map(workingDirectory::resolve).toList();
    shared
        .sandbox()
        .client()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("app.kubernetes.io/managed-by", "sandbox")
                .addToLabels("sandbox.dev/test-class", base)
                .endMetadata()
                .build())
        .create();
    ClassNamespaceResource resource =
        new ClassNamespaceResource(shared, new ClusterNamespace(name));
    try {
      shared
          .engine()
          .applyInto(shared.stack(), name, manifests, SharedSandbox.noting(shared.notes()));
    } catch (RuntimeException e) {
      resource.close();
      throw e;
    }
    return resource;
  }

  ClusterNamespace namespace() {
    return namespace;
  }

  @Override
  public void close() {
    var client = shared.sandbox().client();
    // Test pods need no graceful shutdown (30 s by default). The namespace is deleted in the
    // background: the next class has its own namespace and need not wait the ~10 s Kubernetes
    // takes to finalize this one.
    client.pods().inNamespace(namespace.name()).withGracePeriod(0).delete();
    client.namespaces().withName(namespace.name()).delete();
  }
}
