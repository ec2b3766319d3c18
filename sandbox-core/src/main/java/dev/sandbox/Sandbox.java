package dev.sandbox;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A running sandbox: its kubeconfig, a Kubernetes client, and connection details of its services.
 * Closing the handle closes the client; it removes the environment only when the handle owns it
 * (throwaway environments of tests and CI).
 */
public final class Sandbox implements AutoCloseable {

  private final SandboxState state;
  private final String kubeconfigYaml;
  private final Path kubeconfigPath;
  private final Runnable onClose;
  private KubernetesClient client;

  Sandbox(SandboxState state, String kubeconfigYaml, Path kubeconfigPath, Runnable onClose) {
    this.state = state;
    this.kubeconfigYaml = kubeconfigYaml;
    this.kubeconfigPath = kubeconfigPath;
    this.onClose = onClose;
  }

  public String name() {
    return state.name();
  }

  public SandboxState state() {
    return state;
  }

  /** The kubeconfig (context {@code sandbox-<name>}); holds a client key, treat it as a secret. */
  public String kubeconfig() {
    return kubeconfigYaml;
  }

  /** Where the kubeconfig file lives (readable by the owner only). */
  public Path kubeconfigPath() {
    return kubeconfigPath;
  }

  /** A client for the sandbox's cluster, created on first use and closed with the handle. */
  public synchronized KubernetesClient client() {
    if (client == null) {
      client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
    }
    return client;
  }

  /** PostgreSQL as seen from the host, when the stack enables it. */
  public Optional<PostgresEndpoint> postgres() {
    Map<String, String> d = state.services().get("postgres");
    return d == null ? Optional.empty()
        : Optional.of(new PostgresEndpoint(d.get("host"), Integer.parseInt(d.get("port")), d.get("database"),
            d.get("username"), d.get("password")));
  }

  /** RabbitMQ as seen from the host, when the stack enables it. */
  public Optional<RabbitEndpoint> rabbitmq() {
    Map<String, String> d = state.services().get("rabbitmq");
    return d == null ? Optional.empty()
        : Optional.of(new RabbitEndpoint(d.get("host"), Integer.parseInt(d.get("port")),
            Integer.parseInt(d.get("management-port")), d.get("vhost"), d.get("username"), d.get("password")));
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close();
      client = null;
    }
    onClose.run();
  }

  @Override
  public String toString() {
    return "Sandbox[" + state.name() + "]";
  }
}
