package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.poll.Poll;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Before the apply, when the manifests route traffic in (an Ingress, or the kinds of Traefik's CRDs
 * and the Gateway API): waits until the node serves those kinds and k3s's Traefik runs. The node
 * installs the CRDs and starts Traefik after it reports ready, as k3s's Helm controller does, so
 * right after a cold start they may be seconds away; without this wait the apply's pre-check would
 * call an HTTPRoute an unknown kind, and the first request an Ingress gets could find no
 * controller. Bounded by the stack's readiness timeout (on a slow machine the node imports
 * Traefik's image for over a minute): after it the pre-check (or {@code status}) says what is
 * missing.
 */
final class AwaitAddOnApis extends Step {

  static final Set<String> GROUPS = Set.of("traefik.io", "gateway.networking.k8s.io");

  AwaitAddOnApis() {
    super("ingress");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return context.cluster == null
        && context.stack.k3s().ingress()
        && context.manifests.stream()
            .anyMatch(
                m -> m.kind().equals("Ingress") || group(m).map(GROUPS::contains).orElse(false));
  }

  @Override
  String describe(DeployContext context) {
    return "waiting for Traefik"
        + (wanted(context).isEmpty() ? "" : " and " + String.join(", ", wanted(context).keySet()));
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Duration limit = context.stack.readiness().timeout();
    Instant deadline = Instant.now().plus(limit);
    try {
      apis(context, wanted(context), deadline);
      traefik(context, deadline);
      return "Traefik ready" + (wanted(context).isEmpty() ? "" : ", its APIs served");
    } catch (NotYet e) {
      // the pre-check then names each object whose kind is still not served
      return "not ready within " + limit.toSeconds() + " s: " + e.getMessage();
    }
  }

  private static final class NotYet extends RuntimeException {
    NotYet(String message) {
      super(message, null, false, false);
    }
  }

  private static void apis(
      DeployContext context, Map<String, Set<String>> wanted, Instant deadline) {
    if (wanted.isEmpty()) {
      return;
    }
    Poll.until(
        "the ingress controller's APIs",
        left(deadline),
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
          return Boolean.TRUE;
        },
        NotYet::new);
  }

  private static void traefik(DeployContext context, Instant deadline) {
    Poll.until(
        "Traefik",
        left(deadline),
        Duration.ofMillis(500),
        seen -> {
          var deployment =
              context
                  .client
                  .apps()
                  .deployments()
                  .inNamespace(dev.sandbox.inspect.Traffic.INGRESS_NAMESPACE)
                  .withName(dev.sandbox.inspect.Traffic.INGRESS_SERVICE)
                  .get();
          Integer available =
              deployment == null || deployment.getStatus() == null
                  ? null
                  : deployment.getStatus().getAvailableReplicas();
          seen.is(
              deployment == null
                  ? "Deployment kube-system/traefik does not exist yet"
                  : "Deployment kube-system/traefik has no available replica yet");
          return available != null && available > 0 ? Boolean.TRUE : null;
        },
        NotYet::new);
  }

  private static Duration left(Instant deadline) {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static java.util.Optional<String> group(Manifest manifest) {
    String apiVersion = manifest.resource().getApiVersion();
    int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
    return slash > 0
        ? java.util.Optional.of(apiVersion.substring(0, slash))
        : java.util.Optional.empty();
  }

  /** apiVersion to kinds, of the manifests' objects in {@link #GROUPS}. */
  private static Map<String, Set<String>> wanted(DeployContext context) {
    Map<String, Set<String>> result = new TreeMap<>();
    for (Manifest manifest : context.manifests) {
      if (group(manifest).map(GROUPS::contains).orElse(false)) {
        result
            .computeIfAbsent(manifest.resource().getApiVersion(), v -> new java.util.TreeSet<>())
            .add(manifest.kind());
      }
    }
    return result;
  }
}
