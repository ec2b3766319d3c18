package dev.sandbox.cluster;

import dev.sandbox.manifest.Manifest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves the manifests' objects into the sandbox's own namespaces on a shared cluster, consistently:
 * an object's namespace, the Namespace objects themselves (created with the sandbox's labels, or
 * left out when the namespace was given pre-created), the namespaces RoleBinding subjects name, the
 * {@code kubernetes.io/metadata.name} namespace selectors of NetworkPolicies, and cluster DNS names
 * ({@code svc.ns.svc...}) in any string of the object. Cluster-scoped objects are left out and
 * reported: on a shared cluster they belong to every tenant. Internal.
 */
public final class NamespaceMapping {

  /** The namespace selector label every namespace carries (set by the API server). */
  static final String NAMESPACE_NAME = "kubernetes.io/metadata.name";

  private NamespaceMapping() {}

  /**
   * What the mapping did.
   *
   * @param objects the objects to apply, moved
   * @param namespaces manifest namespace to cluster namespace, for every namespace they use
   * @param leftOut objects not applied, each with why
   */
  public record Result(
      List<Manifest> objects, Map<String, String> namespaces, List<String> leftOut) {}

  /**
   * @param clusterScoped whether a manifest's kind is cluster-scoped
   */
  public static Result apply(
      List<Manifest> manifests,
      Tenancy tenancy,
      java.util.function.Predicate<Manifest> clusterScoped) {
    Set<String> used = new LinkedHashSet<>();
    for (Manifest manifest : manifests) {
      if (manifest.kind().equals("Namespace")) {
        used.add(manifest.name());
      } else if (!clusterScoped.test(manifest)) {
        used.add(manifest.namespace() == null ? "default" : manifest.namespace());
      }
    }
    // the cluster's own namespaces are everyone's: never mapped, and selectors naming them (the
    // DNS egress rule names kube-system) keep meaning them
    used.removeAll(SYSTEM);
    Map<String, String> map = new LinkedHashMap<>();
    used.forEach(ns -> map.put(ns, tenancy.namespace(ns)));
    List<Manifest> objects = new ArrayList<>();
    List<String> leftOut = new ArrayList<>();
    for (Manifest manifest : manifests) {
      boolean system =
          manifest.kind().equals("Namespace")
              ? SYSTEM.contains(manifest.name())
              : manifest.namespace() != null && SYSTEM.contains(manifest.namespace());
      if (system) {
        leftOut.add(
            manifest.origin()
                + ": it belongs to the cluster's own namespaces, shared by every tenant; the"
                + " platform team installs it");
        continue;
      }
      if (manifest.kind().equals("Namespace")) {
        String mapped = map.get(manifest.name());
        if (tenancy.precreated(mapped)) {
          leftOut.add(
              manifest.origin() + ": namespace " + mapped + " was given pre-created, used as is");
          continue;
        }
        manifest.resource().getMetadata().setName(mapped);
        labels(manifest).putAll(tenancy.labels());
        labels(manifest).put(Tenancy.CREATED, "true");
        objects.add(manifest);
        continue;
      }
      if (clusterScoped.test(manifest)) {
        leftOut.add(
            manifest.origin()
                + ": cluster-scoped, so shared by every tenant of the cluster; the platform"
                + " team installs it");
        continue;
      }
      manifest.moveTo(map.get(manifest.namespace() == null ? "default" : manifest.namespace()));
      labels(manifest).put(Tenancy.SANDBOX, tenancy.id());
      rewrite(manifest.resource().getAdditionalProperties(), map);
      objects.add(manifest);
    }
    return new Result(objects, map, leftOut);
  }

  /**
   * Makes a guardrail (a ValidatingAdmissionPolicy or its binding) the sandbox's own on a shared
   * cluster: named {@code <id>-<name>}, labelled with the sandbox, and — a binding — matching only
   * namespaces that carry the sandbox's label (those it created).
   */
  @SuppressWarnings("unchecked")
  public static void scopeAdmissionPolicy(Manifest manifest, Tenancy tenancy) {
    var metadata = manifest.resource().getMetadata();
    metadata.setName(tenancy.id() + "-" + metadata.getName());
    labels(manifest).put(Tenancy.SANDBOX, tenancy.id());
    if (!manifest.kind().equals("ValidatingAdmissionPolicyBinding")) {
      return;
    }
    Map<String, Object> spec =
        (Map<String, Object>) manifest.resource().getAdditionalProperties().get("spec");
    spec.put("policyName", tenancy.id() + "-" + spec.get("policyName"));
    spec.put(
        "matchResources",
        // the application's namespaces: not the services' own, whose StatefulSets are the
        // sandbox's
        Map.of(
            "namespaceSelector",
            Map.of(
                "matchLabels",
                Map.of(Tenancy.SANDBOX, tenancy.id()),
                "matchExpressions",
                List.of(
                    Map.of(
                        "key",
                        NAMESPACE_NAME,
                        "operator",
                        "NotIn",
                        "values",
                        List.of(tenancy.servicesNamespace()))))));
  }

  private static Map<String, String> labels(Manifest manifest) {
    var metadata = manifest.resource().getMetadata();
    if (metadata.getLabels() == null) {
      metadata.setLabels(new LinkedHashMap<>());
    } else if (!(metadata.getLabels() instanceof LinkedHashMap)) {
      metadata.setLabels(new LinkedHashMap<>(metadata.getLabels()));
    }
    return metadata.getLabels();
  }

  /**
   * Rewrites, in place, every namespace reference below {@code node}: RoleBinding subjects' {@code
   * namespace}, {@code kubernetes.io/metadata.name} selectors (matchLabels and the values of
   * matchExpressions), and {@code .<ns>.svc} in strings.
   */
  @SuppressWarnings("unchecked")
  static Object rewrite(Object node, Map<String, String> map) {
    if (node instanceof Map<?, ?> raw) {
      Map<String, Object> mapping = (Map<String, Object>) raw;
      boolean selectsByName = NAMESPACE_NAME.equals(mapping.get("key"));
      for (Map.Entry<String, Object> entry : mapping.entrySet()) {
        String key = entry.getKey();
        Object value = entry.getValue();
        if ((key.equals("namespace") || key.equals(NAMESPACE_NAME))
            && value instanceof String ns
            && map.containsKey(ns)) {
          entry.setValue(map.get(ns));
        } else if (selectsByName && key.equals("values") && value instanceof List<?> values) {
          List<Object> mapped = new ArrayList<>();
          for (Object v : values) {
            mapped.add(v instanceof String ns && map.containsKey(ns) ? map.get(ns) : v);
          }
          entry.setValue(mapped);
        } else {
          entry.setValue(rewrite(value, map));
        }
      }
      return mapping;
    }
    if (node instanceof List<?> raw) {
      List<Object> list = (List<Object>) raw;
      list.replaceAll(item -> rewrite(item, map));
      return list;
    }
    if (node instanceof String text) {
      return dns(text, map);
    }
    return node;
  }

  /**
   * {@code <service>.<namespace>.svc}, then the end of the host name: the end of the text, {@code
   * .cluster.local}, a port, a path, or a separator — not {@code com.acme.orders.svc.Main}.
   */
  private static final Pattern DNS =
      Pattern.compile(
          "(?<![A-Za-z0-9.-])(?<host>(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\\.)+)"
              + "(?<ns>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)"
              + "\\.svc(?=$|\\.cluster\\.local\\b|[:/\\s\"',;)?&@=\\]}])");

  /** The cluster's own namespaces. */
  static final Set<String> SYSTEM = Set.of("kube-system", "kube-public", "kube-node-lease");

  /** {@code orders-db.orders.svc.cluster.local} → {@code orders-db.<mapped>.svc.cluster.local}. */
  static String dns(String text, Map<String, String> map) {
    if (!text.contains(".svc")) {
      return text;
    }
    Matcher matcher = DNS.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String host = matcher.group("host"); // service. or pod.service. (a StatefulSet's pods)
      String ns = matcher.group("ns");
      // kubernetes.default.svc is the API server, whatever namespace the sandbox maps default to
      boolean apiServer = host.equals("kubernetes.") && ns.equals("default");
      String replacement =
          map.containsKey(ns) && !apiServer ? host + map.get(ns) + ".svc" : matcher.group();
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** The cluster namespaces of a mapping, in order. */
  public static List<String> clusterNamespaces(Collection<String> mapped) {
    return List.copyOf(new LinkedHashSet<>(mapped));
  }
}
