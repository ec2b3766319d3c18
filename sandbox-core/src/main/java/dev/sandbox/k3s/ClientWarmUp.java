package dev.sandbox.k3s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads and initialises the Kubernetes client's machinery (kubeconfig parsing, the HTTP client, a
 * first request) on a background thread while the node boots, so that the first real client,
 * created once the API server answers, does not pay for it on `up`'s path: 0.4 to 0.6 s of a cold
 * JVM's time, twice that on a machine busy booting k3s. Once per JVM. Internal.
 */
public final class ClientWarmUp {

  private static final AtomicBoolean STARTED = new AtomicBoolean();

  /** A kubeconfig of the shape k3s writes, for a server nothing listens on. */
  private static final String KUBECONFIG =
      """
      apiVersion: v1
      kind: Config
      clusters:
      - name: warm-up
        cluster: {server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true}
      contexts:
      - name: warm-up
        context: {cluster: warm-up, user: warm-up}
      current-context: warm-up
      users:
      - name: warm-up
        user: {token: warm-up}
      """;

  private ClientWarmUp() {}

  /** Starts the warm-up, unless it ran already in this JVM. */
  public static void start() {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread thread = new Thread(ClientWarmUp::run, "sandbox-client-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  static void run() {
    try {
      Config config = Config.fromKubeconfig(KUBECONFIG);
      config.setRequestRetryBackoffLimit(0);
      config.setConnectionTimeout(500);
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        client.raw("https://127.0.0.1:9/readyz");
      }
    } catch (RuntimeException e) {
      // nothing listens there: the request was only to load what a request needs; and a warm-up
      // that fails for any other reason costs only the time it would have saved
    }
  }
}
