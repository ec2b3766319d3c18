package dev.sandbox.k3s;

import dev.sandbox.service.ClusterBinding;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Makes the services running beside the cluster look, from inside it, the way production YAML
 * expects: a selector-less Service with the production name, an EndpointSlice pointing at the
 * container on the shared Docker network, and the Secret production reads. Internal.
 */
public final class Wiring {

  static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  private Wiring() {}

  /**
   * The objects wiring one binding into one namespace. A binding whose address is a DNS name (a
   * service running in the cluster itself, in the sandbox's services namespace) gets an {@code
   * ExternalName} Service with the production name instead of a Service with an EndpointSlice: it
   * follows the pod wherever it is rescheduled.
   */
  public static List<HasMetadata> objects(String namespace, ClusterBinding binding) {
    return objects(namespace, binding, Map.of());
  }

  /** {@link #objects(String, ClusterBinding)}, carrying {@code extraLabels} too. */
  public static List<HasMetadata> objects(
      String namespace, ClusterBinding binding, Map<String, String> extraLabels) {
    Map<String, String> labels = new java.util.LinkedHashMap<>(extraLabels);
    labels.put(MANAGED_BY, "sandbox");
    List<HasMetadata> objects = new ArrayList<>();
    boolean inCluster = !binding.ip().matches("[0-9.]+|[0-9a-fA-F:]+");
    ServiceBuilder service =
        new ServiceBuilder()
            .withNewMetadata()
            .withName(binding.serviceName())
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withType(inCluster ? "ExternalName" : "ClusterIP")
            .withExternalName(inCluster ? binding.ip() : null)
            .endSpec();
    EndpointSliceBuilder slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(binding.serviceName() + "-sandbox")
            .withNamespace(namespace)
            .addToLabels(labels)
            .addToLabels("kubernetes.io/service-name", binding.serviceName())
            .addToLabels("endpointslice.kubernetes.io/managed-by", "sandbox")
            .endMetadata()
            .withAddressType("IPv4")
            .withEndpoints(
                new EndpointBuilder()
                    .withAddresses(binding.ip())
                    .withNewConditions()
                    .withReady(true)
                    .endConditions()
                    .build());
    binding.ports().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            port -> {
              service
                  .editSpec()
                  .addToPorts(
                      new ServicePortBuilder()
                          .withName(port.getKey())
                          .withPort(port.getValue())
                          .withNewTargetPort(port.getValue())
                          .withProtocol("TCP")
                          .build())
                  .endSpec();
              slice.addToPorts(
                  new EndpointPortBuilder()
                      .withName(port.getKey())
                      .withPort(port.getValue())
                      .withProtocol("TCP")
                      .build());
            });
    objects.add(service.build());
    if (!inCluster) {
      objects.add(slice.build());
    }
    objects.add(
        new SecretBuilder()
            .withNewMetadata()
            .withName(binding.secretName())
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withType(binding.secretType())
            .withStringData(binding.secretData())
            .build());
    return objects;
  }

  /** A namespace name the API server accepts: an RFC 1123 label. */
  static boolean isNamespaceName(String name) {
    return name.length() <= 63 && name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }

  /**
   * Applies the wiring of every binding into every namespace (creating missing namespaces), except
   * the services {@code unwired} names for a namespace: there the manifests' own objects stand in,
   * and what an earlier run wired is removed so that it cannot clash with them (a Secret's type is
   * immutable) or add the container to their Service's endpoints.
   */
  public static void apply(
      KubernetesClient client,
      Collection<String> namespaces,
      Collection<ClusterBinding> bindings,
      Map<String, ? extends Collection<String>> unwired) {
    apply(client, namespaces, bindings, unwired, true);
  }

  /**
   * As {@link #apply(KubernetesClient, Collection, Collection, Map)}; without {@code
   * createNamespaces} the namespaces must exist (a cluster target made or was given them).
   */
  public static void apply(
      KubernetesClient client,
      Collection<String> namespaces,
      Collection<ClusterBinding> bindings,
      Map<String, ? extends Collection<String>> unwired,
      boolean createNamespaces) {
    apply(client, namespaces, bindings, unwired, createNamespaces, Map.of());
  }

  /**
   * As above, the wired objects carrying {@code extraLabels} too (a sandbox's id on a shared
   * cluster, by which {@code down} finds them in namespaces it was given).
   */
  public static void apply(
      KubernetesClient client,
      Collection<String> namespaces,
      Collection<ClusterBinding> bindings,
      Map<String, ? extends Collection<String>> unwired,
      boolean createNamespaces,
      Map<String, String> extraLabels) {
    for (String namespace : namespaces) {
      if (!isNamespaceName(namespace)) {
        // not ours to report: the manifests' pre-check (Apply) rejects the objects naming it, with
        // file, document and the API server's reason
        continue;
      }
      if (createNamespaces) {
        client
            .resource(
                new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
            .fieldManager(Apply.FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
      }
      Collection<String> skip = unwired.containsKey(namespace) ? unwired.get(namespace) : List.of();
      for (ClusterBinding binding : bindings) {
        if (skip.contains(binding.serviceName())) {
          for (HasMetadata object : objects(namespace, binding)) {
            var existing = client.resource(object).get();
            if (existing != null
                && "sandbox"
                    .equals(
                        existing.getMetadata().getLabels() == null
                            ? null
                            : existing.getMetadata().getLabels().get(MANAGED_BY))) {
              client.resource(existing).delete();
            }
          }
          continue;
        }
        for (HasMetadata object : objects(namespace, binding, extraLabels)) {
          if (object instanceof Secret secret) {
            replaceIfRetyped(client, secret);
          }
          client
              .resource(object)
              .fieldManager(Apply.FIELD_MANAGER)
              .forceConflicts()
              .serverSideApply();
        }
      }
    }
  }

  /**
   * A Secret's type is immutable: when the stack asks for another type (say the servicebinding
   * preset) than the wired Secret has, the old one is deleted so the apply can create it anew.
   */
  private static void replaceIfRetyped(KubernetesClient client, Secret wanted) {
    Secret existing = client.resource(wanted).get();
    if (existing != null && !wanted.getType().equals(existing.getType())) {
      client.resource(existing).withGracePeriod(0).delete();
      client.resource(existing).waitUntilCondition(java.util.Objects::isNull, 30, TimeUnit.SECONDS);
    }
  }
}
