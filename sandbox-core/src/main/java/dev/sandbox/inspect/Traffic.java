package dev.sandbox.inspect;

import dev.sandbox.SandboxException;
import dev.sandbox.SandboxStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Traffic into the slice from the host: the node ports published on 127.0.0.1 for LoadBalancer
 * Services (the ingress controller's 80 and 443 among them), and the Ingresses and HTTPRoutes that
 * route through it. Internal; {@link dev.sandbox.Sandbox} and {@code status} use it.
 */
public final class Traffic {

  /**
   * The state's entry for the node ports published for LoadBalancer Services: node port to {@code
   * 127.0.0.1:<host port>}.
   */
  public static final String STATE_KEY = "load-balancer";

  /** The controller name of Traefik's IngressClass. */
  static final String TRAEFIK_CONTROLLER = "traefik.io/ingress-controller";

  private static final String NO_CONTROLLER =
      "not reachable from the host: no ingress controller runs (k3s.ingress: none)";

  /** The ingress controller's Service (k3s's bundled Traefik). */
  public static final String INGRESS_NAMESPACE = "kube-system";

  public static final String INGRESS_SERVICE = "traefik";

  private static final ResourceDefinitionContext HTTP_ROUTES =
      new ResourceDefinitionContext.Builder()
          .withGroup("gateway.networking.k8s.io")
          .withVersion("v1")
          .withPlural("httproutes")
          .withKind("HTTPRoute")
          .withNamespaced(true)
          .build();

  private final KubernetesClient client;
  private final Map<String, String> published;
  private final String sandbox;

  /**
   * @param published node port (as text) to {@code 127.0.0.1:<host port>}, from the state
   */
  public Traffic(KubernetesClient client, Map<String, String> published, String sandbox) {
    this.client = client;
    this.published = published == null ? Map.of() : published;
    this.sandbox = sandbox;
  }

  /** Where node port {@code port} is published on the host, if it is. */
  public Optional<InetSocketAddress> published(int port) {
    String address = published.get(String.valueOf(port));
    if (address == null) {
      return Optional.empty();
    }
    int colon = address.lastIndexOf(':');
    return Optional.of(
        new InetSocketAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
  }

  /** Production's URL {@code http://host/path} for a rule of {@code host}. */
  public static java.net.URI url(String host, String path) {
    if (host == null || host.isBlank() || host.contains("/") || host.contains(":")) {
      throw new IllegalArgumentException(
          "host must be a host name of an Ingress or HTTPRoute rule, such as shop.example.com; was "
              + host);
    }
    String p = path == null || path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
    return java.net.URI.create("http://" + host + p);
  }

  /** The host address of the ingress controller's HTTP entry point (node port 80). */
  public InetSocketAddress ingress() {
    Service traefik =
        client.services().inNamespace(INGRESS_NAMESPACE).withName(INGRESS_SERVICE).get();
    if (traefik == null) {
      throw new SandboxException(
          "Sandbox '"
              + sandbox
              + "' runs no ingress controller (Service kube-system/traefik does not exist), so"
              + " no Ingress or HTTPRoute is served. Set k3s.ingress: traefik in the stack file"
              + " (the default) and run `sandbox up`; a node started without it is recreated,"
              + " data kept.");
    }
    return loadBalancer(INGRESS_NAMESPACE, INGRESS_SERVICE, 80);
  }

  /**
   * The host address of port {@code port} of LoadBalancer Service {@code namespace/name}: the node
   * port published on 127.0.0.1, once servicelb has given the Service the node's address.
   */
  public InetSocketAddress loadBalancer(String namespace, String name, int port) {
    Service service = client.services().inNamespace(namespace).withName(name).get();
    String what = "Service " + namespace + "/" + name;
    if (service == null) {
      throw new SandboxException(what + " does not exist in sandbox '" + sandbox + "'.");
    }
    if (!"LoadBalancer".equals(service.getSpec().getType())) {
      throw new SandboxException(
          what
              + " is of type "
              + service.getSpec().getType()
              + ", not LoadBalancer: it has no address on the host. Use"
              + " sandbox.serviceUrl(...) or `sandbox port-forward` for it.");
    }
    if (service.getSpec().getPorts().stream().noneMatch(p -> p.getPort() == port && isTcp(p))) {
      throw new SandboxException(
          what + " has no TCP port " + port + "; its ports are " + portsOf(service) + ".");
    }
    Optional<InetSocketAddress> host = published(port);
    if (host.isEmpty()) {
      throw new SandboxException(notPublished(what, port));
    }
    if (!assigned(service)) {
      throw new SandboxException(
          what
              + " has no load-balancer address yet (still pending): another LoadBalancer Service"
              + " may hold port "
              + port
              + " (kubectl get events -n "
              + namespace
              + " names it), or servicelb is disabled.");
    }
    return host.get();
  }

  /** The ingress rules and LoadBalancer Services of the cluster, with how the host reaches them. */
  public List<SandboxStatus.Entrypoint> entrypoints() {
    List<SandboxStatus.Entrypoint> result = new ArrayList<>();
    boolean traefik =
        client.services().inNamespace(INGRESS_NAMESPACE).withName(INGRESS_SERVICE).get() != null;
    Optional<InetSocketAddress> web = traefik ? published(80) : Optional.empty();
    java.util.Set<String> traefikClasses = new java.util.HashSet<>();
    String defaultClass = null;
    for (var ingressClass : client.network().v1().ingressClasses().list().getItems()) {
      if (TRAEFIK_CONTROLLER.equals(ingressClass.getSpec().getController())) {
        traefikClasses.add(ingressClass.getMetadata().getName());
        var annotations = ingressClass.getMetadata().getAnnotations();
        if (annotations != null
            && "true".equals(annotations.get("ingressclass.kubernetes.io/is-default-class"))) {
          defaultClass = ingressClass.getMetadata().getName();
        }
      }
    }
    for (Ingress ingress : client.network().v1().ingresses().inAnyNamespace().list().getItems()) {
      if (ingress.getSpec().getRules() == null) {
        continue;
      }
      String className = ingress.getSpec().getIngressClassName();
      if (className == null && ingress.getMetadata().getAnnotations() != null) {
        className = ingress.getMetadata().getAnnotations().get("kubernetes.io/ingress.class");
      }
      Optional<InetSocketAddress> served =
          (className == null ? defaultClass != null : traefikClasses.contains(className))
              ? web
              : Optional.empty();
      String notServed =
          !traefik
              ? "not reachable from the host: no ingress controller runs (k3s.ingress: none)"
              : "not served: ingress class "
                  + className
                  + " has no controller in the sandbox (Traefik serves class "
                  + String.join(", ", traefikClasses)
                  + ")";
      for (IngressRule rule : ingress.getSpec().getRules()) {
        List<String> paths =
            rule.getHttp() == null
                ? List.of("/")
                : rule.getHttp().getPaths().stream()
                    .map(HTTPIngressPath::getPath)
                    .map(p -> p == null ? "/" : p)
                    .toList();
        for (String path : paths) {
          result.add(
              route("Ingress", ingress.getMetadata(), rule.getHost(), path, served, notServed));
        }
      }
    }
    for (GenericKubernetesResource route : httpRoutes()) {
      Object spec = route.getAdditionalProperties().get("spec");
      List<?> hostnames =
          spec instanceof Map<?, ?> fields && fields.get("hostnames") instanceof List<?> names
              ? names
              : List.of();
      if (hostnames.isEmpty()) {
        result.add(route("HTTPRoute", route.getMetadata(), null, "/", web, NO_CONTROLLER));
      }
      for (Object host : hostnames) {
        result.add(
            route("HTTPRoute", route.getMetadata(), String.valueOf(host), "/", web, NO_CONTROLLER));
      }
    }
    for (Service service : client.services().inAnyNamespace().list().getItems()) {
      if (!"LoadBalancer".equals(service.getSpec().getType())) {
        continue;
      }
      String what = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
      for (ServicePort port : service.getSpec().getPorts()) {
        // the node publishes TCP ports only
        Optional<InetSocketAddress> host =
            isTcp(port) ? published(port.getPort()) : Optional.empty();
        String reach;
        String address = null;
        if (!isTcp(port)) {
          reach = "not reachable from the host: only TCP ports are published";
        } else if (host.isEmpty()) {
          reach = notPublished("Service " + what, port.getPort());
        } else if (!assigned(service)) {
          reach =
              "pending: no load-balancer address (kubectl get events -n "
                  + service.getMetadata().getNamespace()
                  + ")";
        } else {
          address = address(host.get());
          reach = address;
        }
        result.add(
            new SandboxStatus.Entrypoint(
                "LoadBalancer",
                service.getMetadata().getNamespace(),
                service.getMetadata().getName(),
                port.getPort() + "/" + port.getProtocol(),
                reach,
                address));
      }
    }
    return result;
  }

  private List<GenericKubernetesResource> httpRoutes() {
    try {
      return client.genericKubernetesResources(HTTP_ROUTES).inAnyNamespace().list().getItems();
    } catch (KubernetesClientException e) {
      return List.of(); // no Gateway API in this cluster
    }
  }

  private static SandboxStatus.Entrypoint route(
      String kind,
      io.fabric8.kubernetes.api.model.ObjectMeta meta,
      String host,
      String path,
      Optional<InetSocketAddress> web,
      String notServed) {
    String reach =
        web.map(
                w ->
                    "curl "
                        + (host == null ? "" : "-H 'Host: " + host + "' ")
                        + "http://"
                        + address(w)
                        + path)
            .orElse(notServed);
    return new SandboxStatus.Entrypoint(
        kind,
        meta.getNamespace(),
        meta.getName(),
        (host == null ? "*" : host) + path,
        reach,
        web.map(Traffic::address).orElse(null));
  }

  private static boolean isTcp(ServicePort port) {
    return port.getProtocol() == null || "TCP".equals(port.getProtocol());
  }

  private static boolean assigned(Service service) {
    return service.getStatus() != null
        && service.getStatus().getLoadBalancer() != null
        && service.getStatus().getLoadBalancer().getIngress() != null
        && !service.getStatus().getLoadBalancer().getIngress().isEmpty();
  }

  private static String notPublished(String what, int port) {
    return what
        + " port "
        + port
        + " is not published on the host: add "
        + port
        + " to k3s.load-balancer-ports in the stack file and run `sandbox up` (the node is"
        + " recreated, data kept)";
  }

  private static String address(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  private static String portsOf(Service service) {
    return service.getSpec().getPorts().stream()
        .map(p -> String.valueOf(p.getPort()))
        .toList()
        .toString();
  }
}
