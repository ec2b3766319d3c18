package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.poll.Poll;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Before the apply: when the manifests use the kinds of k3s's Traefik (its own CRDs and the Gateway
 * API's), waits until the node serves them. The node installs those CRDs after it reports ready, as
 * k3s's Helm controller does, so right after a cold start they may be seconds away; without this
 * wait the apply's pre-check would call an HTTPRoute an unknown kind. Bounded: after {@link #LIMIT}
 * the pre-check reports what is still missing.
 */
final class AwaitAddOnApis extends Step {

  static final Set<String> GROUPS = Set.of("traefik.io", "gateway.networking.k8s.io");

  static final Duration LIMIT = Duration.ofSeconds(90);

  AwaitAddOnApis() {
    super("ingress");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return context.stack.k3s().ingress() && !wanted(context).isEmpty();
  }

  @Override
  String describe(DeployContext context) {
    return "waiting for the APIs of " + String.join(", ", wanted(context).keySet());
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Map<String, Set<String>> wanted = wanted(context);
    try {
      return poll(context, wanted);
    } catch (NotYet e) {
      // the pre-check then names each object whose kind is still not served
      return "not all served within " + LIMIT.toSeconds() + " s: " + e.getMessage();
    }
  }

  private static final class NotYet extends RuntimeException {
    NotYet(String message) {
      super(message, null, false, false);
    }
  }

  private static String poll(DeployContext context, Map<String, Set<String>> wanted) {
    return Poll.until(
        "the ingress controller's APIs",
        LIMIT,
        Duration.ofMillis(500),
        seen -> {
          for (var entry : wanted.entrySet()) {
            APIResourceList served;
            try {
              served = context.client.getApiResources(entry.getKey());
            } catch (KubernetesClientException e) {
              served = null;
            }
            Set<String> kinds =
                served == null
                    ? Set.of()
                    : served.getResources().stream()
                        .map(r -> r.getKind())
                        .collect(java.util.stream.Collectors.toSet());
            if (!kinds.containsAll(entry.getValue())) {
              seen.is(entry.getKey() + " does not serve " + entry.getValue() + " yet");
              return null;
            }
          }
          return "served by the node";
        },
        NotYet::new);
  }

  /** apiVersion to kinds, of the manifests' objects in {@link #GROUPS}. */
  private static Map<String, Set<String>> wanted(DeployContext context) {
    Map<String, Set<String>> result = new TreeMap<>();
    for (Manifest manifest : context.manifests) {
      String apiVersion = manifest.resource().getApiVersion();
      int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
      if (slash > 0 && GROUPS.contains(apiVersion.substring(0, slash))) {
        result.computeIfAbsent(apiVersion, v -> new java.util.TreeSet<>()).add(manifest.kind());
      }
    }
    return result;
  }
}
