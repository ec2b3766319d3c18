package dev.sandbox;

import dev.sandbox.monitoring.MonitoringPack;
import dev.sandbox.monitoring.Prometheus;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.Registry;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A running sandbox: its kubeconfig, a Kubernetes client, and connection details of its services.
 * Closing the handle closes the client; it removes the environment only when the handle owns it
 * (throwaway environments of tests and CI).
 */
public final class Sandbox implements AutoCloseable {

  /** Namespaces of the cluster itself, never the application's. */
  public static final java.util.Set<String> SYSTEM_NAMESPACES =
      java.util.Set.of("kube-system", "kube-public", "kube-node-lease");

  private final SandboxState state;
  private final String kubeconfigYaml;
  private final Path kubeconfigPath;
  private final Runnable onClose;
  private KubernetesClient client;
  private Prometheus prometheus;
  private final Map<String, io.fabric8.kubernetes.client.LocalPortForward> forwards =
      new java.util.HashMap<>();

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

  /**
   * Where the manifests' namespace {@code namespace} is in this sandbox: itself on the local node;
   * on a shared cluster the sandbox's own namespace standing for it ({@code <id>-orders}, or the
   * pre-created one the stack gave). Tests that name namespaces through this run on both targets.
   */
  public String namespace(String namespace) {
    Map<String, String> target = state.services().get(ClusterFlow.STATE_KEY);
    if (target == null) {
      return namespace;
    }
    for (String pair : target.getOrDefault("mapping", "").split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(namespace)) {
        return pair.substring(eq + 1);
      }
    }
    String mapped = target.get("id") + "-" + namespace;
    return mapped;
  }

  /**
   * True when this sandbox runs in namespaces of a shared cluster (a {@code target.context}) rather
   * than on its own local node: no node to load images into, no monitoring pack, no ingress on
   * 127.0.0.1.
   */
  public boolean onSharedCluster() {
    return state.services().containsKey(ClusterFlow.STATE_KEY);
  }

  /**
   * The namespaces that are this sandbox's on a shared cluster (its services' and the
   * application's), where listing across the cluster would show other tenants' objects or be
   * forbidden; empty on the local node, where the whole cluster is the sandbox's.
   */
  public Optional<List<String>> ownNamespaces() {
    Map<String, String> target = state.services().get(ClusterFlow.STATE_KEY);
    return target == null
        ? Optional.empty()
        : Optional.of(List.of(target.get("namespaces").split(",")));
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
      client =
          new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
    }
    return client;
  }

  /**
   * A client that acts as the application's ServiceAccount {@code namespace/serviceAccount}: it
   * authenticates with a real token of that account (valid for an hour), so a test proves what the
   * application's RBAC allows, and what it denies. The caller closes it.
   *
   * @throws SandboxException when the ServiceAccount does not exist
   */
  public KubernetesClient clientAs(String namespace, String serviceAccount) {
    return dev.sandbox.inspect.Identity.clientAs(
        client(), kubeconfigYaml, namespace, serviceAccount);
  }

  /**
   * Whether {@code user} ({@code system:serviceaccount:<ns>:<name>} or a user name) may {@code
   * verb} the {@code resource} ({@code pods}, {@code deployments.apps}, {@code pods/log}) in {@code
   * namespace} (empty: cluster-wide), as {@code kubectl auth can-i --as} asks it.
   */
  public boolean canI(String user, String verb, String resource, Optional<String> namespace) {
    return dev.sandbox.inspect.Identity.canI(
            client(), kubeconfigYaml, user, verb, resource, namespace)
        .allowed();
  }

  /**
   * The endpoint of type {@code type} ({@code PostgresEndpoint}, {@code RabbitEndpoint}, ...), when
   * the stack runs the service it belongs to.
   */
  public <T> Optional<T> endpoint(Class<T> type) {
    return services().stream()
        .map(ServiceEndpoint::endpoint)
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst();
  }

  /** The backing services this sandbox runs, in registration order. */
  public List<ServiceEndpoint> services() {
    List<ServiceEndpoint> result = new java.util.ArrayList<>();
    for (BackingService service : Registry.all()) {
      Map<String, String> details = state.services().get(service.id());
      if (details != null) {
        result.add(
            new ServiceEndpoint(
                service.id(),
                service.displayName(),
                service.endpoint(details),
                service.summary(details),
                service.environment(details)));
      }
    }
    return result;
  }

  /** Every type {@link #endpoint} can return: one per registered backing service. */
  public static List<Class<?>> endpointTypes() {
    return Registry.all().stream().<Class<?>>map(BackingService::endpointType).toList();
  }

  /**
   * The stack key that enables the service an endpoint type belongs to ({@code
   * services.postgres.enabled}), when a registered service provides that type.
   */
  public static Optional<String> enablingKey(Class<?> endpointType) {
    return Registry.forEndpoint(endpointType).map(s -> "services." + s.id() + ".enabled");
  }

  /**
   * An {@code http://127.0.0.1:<port>} URL reaching {@code service:port} in {@code namespace}
   * through a port-forward that lives as long as this handle (one per service and port).
   */
  public synchronized java.net.URI serviceUrl(String namespace, String service, int port) {
    String key = namespace + "/" + service + ":" + port;
    io.fabric8.kubernetes.client.LocalPortForward forward = forwards.get(key);
    if (forward == null || !forward.isAlive()) {
      forward = portForward(namespace, service, port, 0);
      forwards.put(key, forward);
    }
    return java.net.URI.create("http://127.0.0.1:" + forward.getLocalPort());
  }

  /**
   * Forwards {@code 127.0.0.1:localPort} (0: any free port) to {@code service:port} the way {@code
   * kubectl port-forward svc/...} does: the Service port is translated to its target port (named
   * target ports resolved on the pod) on one ready pod behind the Service. The caller closes it.
   */
  public io.fabric8.kubernetes.client.LocalPortForward portForward(
      String namespace, String service, int port, int localPort) {
    var svc = client().services().inNamespace(namespace).withName(service).get();
    if (svc == null) {
      List<String> others =
          client().services().inNamespace(namespace).list().getItems().stream()
              .map(other -> other.getMetadata().getName() + " " + ports(other))
              .toList();
      // a user error about the arguments, not a missing sandbox: plain SandboxException (exit 1)
      throw new SandboxException(
          "Service "
              + namespace
              + "/"
              + service
              + " does not exist in sandbox '"
              + name()
              + "', so port "
              + port
              + " cannot be forwarded. "
              + (others.isEmpty()
                  ? "Namespace " + namespace + " has no Services; pass the namespace with -n."
                  : "Services in " + namespace + ": " + String.join(", ", others) + "."));
    }
    var servicePort =
        svc.getSpec().getPorts().stream()
            .filter(p -> p.getPort() == port)
            .findFirst()
            .orElseThrow(
                () ->
                    new SandboxException(
                        "Service "
                            + namespace
                            + "/"
                            + service
                            + " has no port "
                            + port
                            + "; its ports are "
                            + ports(svc)
                            + ". Forward one of those."));
    Map<String, String> selector = svc.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      throw new SandboxException(
          "Service "
              + namespace
              + "/"
              + service
              + " has no selector, so there is no pod to forward to.");
    }
    var pod =
        client().pods().inNamespace(namespace).withLabels(selector).list().getItems().stream()
            .filter(
                p ->
                    p.getStatus() != null
                        && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(
                                c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
            .findFirst()
            .orElseThrow(
                () ->
                    new SandboxException.ServiceStartup(
                        dev.sandbox.inspect.Selectors.unmatched(client(), svc)
                            .map(finding -> finding + ". Fix the selector or the pod labels.")
                            .orElse(
                                "No ready pod behind Service " + namespace + "/" + service + "."),
                        null));
    var target = servicePort.getTargetPort();
    int targetPort;
    if (target == null) {
      targetPort = port;
    } else if (target.getIntVal() != null) {
      targetPort = target.getIntVal();
    } else {
      targetPort =
          pod.getSpec().getContainers().stream()
              .flatMap(
                  c ->
                      c.getPorts() == null
                          ? java.util.stream.Stream.empty()
                          : c.getPorts().stream())
              .filter(p -> target.getStrVal().equals(p.getName()))
              .map(io.fabric8.kubernetes.api.model.ContainerPort::getContainerPort)
              .findFirst()
              .orElseThrow(
                  () ->
                      new SandboxException(
                          "Named target port '"
                              + target.getStrVal()
                              + "' is not declared by pod "
                              + pod.getMetadata().getName()));
    }
    return client()
        .pods()
        .inNamespace(namespace)
        .withName(pod.getMetadata().getName())
        .portForward(targetPort, java.net.InetAddress.getLoopbackAddress(), localPort);
  }

  /** A Service's ports as {@code [8080/http, 9090/metrics]} (name only when it has one). */
  static String ports(io.fabric8.kubernetes.api.model.Service service) {
    return service.getSpec().getPorts().stream()
        .map(
            p ->
                p.getPort()
                    + (p.getName() == null || p.getName().isEmpty() ? "" : "/" + p.getName()))
        .toList()
        .toString();
  }

  private dev.sandbox.inspect.Traffic traffic() {
    return new dev.sandbox.inspect.Traffic(
        client(), state.services().get(dev.sandbox.inspect.Traffic.STATE_KEY), name());
  }

  /**
   * The ways in from the host: every Ingress and HTTPRoute rule and LoadBalancer Service port, with
   * the address it answers on (or why the host cannot reach it).
   */
  public List<SandboxStatus.Entrypoint> entrypoints() {
    if (onSharedCluster()) {
      return List.of(); // the cluster's own ingress and load balancers, not the host's
    }
    return traffic().entrypoints();
  }

  /**
   * Where the ingress controller (k3s's Traefik) takes HTTP on the host: {@code 127.0.0.1:<port>},
   * the node's port 80. Requests there are routed by their host name, as in production: send {@link
   * #ingressUrl} through {@link #ingressClient()} or {@link #ingressProxy()}, or set the {@code
   * Host} header yourself ({@code curl -H 'Host: shop.example.com' http://127.0.0.1:port/}).
   *
   * @throws SandboxException when the sandbox runs no ingress controller ({@code k3s.ingress:
   *     none})
   */
  public java.net.InetSocketAddress ingressAddress() {
    if (onSharedCluster()) {
      throw new SandboxException(
          "Sandbox '"
              + name()
              + "' runs on a shared cluster: its Ingress rules are served by that cluster's"
              + " ingress controller, not on 127.0.0.1. Reach a Service with serviceUrl (a"
              + " port-forward) instead.");
    }
    return traffic().ingress();
  }

  /**
   * The URL production calls, {@code http://host/path}, for an Ingress or HTTPRoute rule of {@code
   * host}. It is sent to the sandbox's ingress controller by {@link #ingressClient()} (or any HTTP
   * client using {@link #ingressProxy()}), which routes it by its host name like production's.
   */
  public java.net.URI ingressUrl(String host, String path) {
    return dev.sandbox.inspect.Traffic.url(host, path);
  }

  /**
   * A proxy selector that sends every HTTP request to the sandbox's ingress controller, which
   * routes it by the request's host name (absolute-form requests, as to any HTTP proxy).
   */
  public java.net.ProxySelector ingressProxy() {
    return java.net.ProxySelector.of(ingressAddress());
  }

  /**
   * A new HTTP client whose requests go to the sandbox's ingress controller ({@link
   * #ingressProxy}).
   */
  public java.net.http.HttpClient ingressClient() {
    return java.net.http.HttpClient.newBuilder()
        .proxy(ingressProxy())
        .connectTimeout(java.time.Duration.ofSeconds(10))
        .build();
  }

  /**
   * Where port {@code port} of LoadBalancer Service {@code namespace/service} answers on the host:
   * {@code 127.0.0.1:<port>}, as k3s's servicelb gives such a Service the node's address. The port
   * must be published ({@code k3s.load-balancer-ports}; Traefik's 80 and 443 always are).
   *
   * @throws SandboxException naming what is missing: the Service, the port, its publication, or its
   *     address (pending)
   */
  public java.net.InetSocketAddress loadBalancerAddress(
      String namespace, String service, int port) {
    return traffic().loadBalancer(namespace, service, port);
  }

  /**
   * The URL of the monitoring pack's Prometheus on 127.0.0.1, when the pack is on (its NodePort,
   * published by the k3s container; no port-forward needed).
   */
  public Optional<String> prometheusUrl() {
    Map<String, String> d = state.services().get(MonitoringPack.SERVICE);
    if (d == null || d.get("url") == null) {
      return Optional.empty();
    }
    var service =
        client().services().inNamespace(MonitoringPack.NAMESPACE).withName(MonitoringPack.SERVICE);
    var found = service.get();
    return found != null && "NodePort".equals(found.getSpec().getType())
        ? Optional.of(d.get("url"))
        : Optional.empty();
  }

  /**
   * PromQL queries against the monitoring pack's Prometheus (namespace {@code sandbox-monitoring}),
   * on its published port, or through a port-forward that lives as long as this handle.
   */
  public synchronized Prometheus prometheus() {
    // one Prometheus (one HTTP client, one port-forward) per handle, however often tests ask
    if (prometheus == null) {
      prometheus = newPrometheus();
    }
    return prometheus;
  }

  private Prometheus newPrometheus() {
    return new Prometheus(
        prometheusUrl()
            .map(java.net.URI::create)
            .orElseGet(
                () ->
                    serviceUrl(
                        MonitoringPack.NAMESPACE, MonitoringPack.SERVICE, MonitoringPack.PORT)));
  }

  /**
   * Writes what helps explain a failure into {@code folder}: {@code events.txt}, {@code pods.yaml}
   * (pod statuses) and {@code logs/<namespace>_<pod>_<container>.log} (last 200 lines), for one
   * namespace or, when empty, every application namespace.
   */
  public void writeDiagnostics(Path folder, Optional<String> namespace) {
    if (ownNamespaces().isPresent()) {
      // a shared cluster: the sandbox's own namespaces, never another tenant's pods and logs
      dev.sandbox.inspect.Diagnostics.write(
          client(),
          namespace
              .map(n -> List.of(ownNamespaces().get().contains(n) ? n : namespace(n)))
              .orElse(ownNamespaces().get()),
          folder,
          false);
      return;
    }
    dev.sandbox.inspect.Diagnostics.write(client(), namespace, folder);
  }

  @Override
  public synchronized void close() {
    for (var forward : forwards.values()) {
      try {
        forward.close();
      } catch (java.io.IOException e) {
        // the forward dies with the client anyway
      }
    }
    forwards.clear();
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
