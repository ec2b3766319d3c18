package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.cluster.ClusterSandboxes;
import dev.sandbox.cluster.NamespaceMapping;
import dev.sandbox.cluster.Tenancy;
import dev.sandbox.k3s.Apply;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * On a cluster target: moves the objects into the sandbox's own namespaces ({@link
 * NamespaceMapping}), creates those it does not find pre-created — labelled with who owns them —
 * checks that it may act in the pre-created ones, and takes the sandbox's lease before anything
 * else lands, so that a start killed from here on is found by {@code sandbox gc}.
 */
final class MapNamespaces extends Step {

  MapNamespaces() {
    super("namespaces");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return context.cluster != null;
  }

  @Override
  String describe(DeployContext context) {
    return "mapping into " + context.cluster.tenancy().id() + "-*";
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Tenancy tenancy = context.cluster.tenancy();
    // the monitoring pack stays out on a shared cluster (reported by Deployment.onCluster)
    context.monitoring = new ArrayList<>();
    ReadManifests.Scopes scopes = new ReadManifests.Scopes(context);
    NamespaceMapping.Result result =
        NamespaceMapping.apply(context.manifests, tenancy, m -> !scopes.namespaced(m));
    context.manifests = new ArrayList<>(result.objects());
    for (Manifest manifest : context.manifests) {
      // the manifests' Namespace objects are applied by the same field manager as the namespaces
      // created here: the same labels, or the apply would take this start's away
      if (manifest.kind().equals("Namespace")) {
        var metadata = manifest.resource().getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(metadata.getLabels());
        labels.putAll(context.cluster.labels());
        metadata.setLabels(labels);
      }
    }
    context.leftOut.addAll(result.leftOut());
    result
        .leftOut()
        .forEach(
            why -> listener.onEvent(ProgressListener.Event.info("namespaces", "left out " + why)));
    Set<String> app = new LinkedHashSet<>(result.namespaces().values());
    // the services' namespace first: it holds the lease, which must exist before anything else
    // lands, so that whatever follows is found by down and gc
    Set<String> all = new LinkedHashSet<>();
    all.add(tenancy.servicesNamespace());
    all.addAll(app);
    Map<String, String> labels = new LinkedHashMap<>(tenancy.labels());
    labels.put(Tenancy.CREATED, "true");
    labels.putAll(context.cluster.labels());
    for (String namespace : all) {
      if (tenancy.precreated(namespace)) {
        requireAccess(context, namespace);
      }
    }
    ClusterSandboxes.refuseOthers(context.client, tenancy);
    Set<String> kinds = new LinkedHashSet<>();
    for (Manifest manifest : context.manifests) {
      if (!manifest.kind().equals("Namespace")) {
        kinds.add(manifest.resource().getApiVersion() + "/" + manifest.kind());
      }
    }
    List<String> created = new ArrayList<>();
    boolean held = false;
    for (String namespace : all) {
      if (!tenancy.precreated(namespace)) {
        create(context, tenancy, namespace, labels, result.namespaces());
        created.add(namespace);
      }
      if (!held) {
        try {
          ClusterSandboxes.hold(context.client, tenancy, all, kinds, context.cluster.lease());
        } catch (KubernetesClientException e) {
          created.forEach(ns -> context.client.namespaces().withName(ns).delete());
          throw new SandboxException(
              "The sandbox's lease (a coordination.k8s.io Lease named "
                  + ClusterSandboxes.LEASE
                  + " in "
                  + namespace
                  + ") could not be written: "
                  + SandboxException.describe(e)
                  + ". It is how down and gc find what the sandbox leaves; let the kubeconfig's"
                  + " account manage leases there.",
              e);
        }
        held = true;
      }
    }
    budget(context, all);
    context.wireInto = List.copyOf(app);
    context.clusterNamespaces = List.copyOf(all);
    context.createdNamespaces = List.copyOf(created);
    context.namespaceMapping = Map.copyOf(result.namespaces());
    return String.join(", ", all)
        + (created.size() == all.size() ? " (created)" : " (" + created.size() + " created)");
  }

  /**
   * The stack's budget for the sandbox on the cluster: a LimitRange (defaults for containers that
   * set none, so that a quota on requests admits them) and a ResourceQuota in each namespace.
   */
  private static void budget(DeployContext context, Set<String> namespaces) {
    var target = context.stack.target();
    Map<String, String> labels = context.cluster.tenancy().labels();
    for (String namespace : namespaces) {
      if (!target.limits().isEmpty()) {
        var item =
            new io.fabric8.kubernetes.api.model.LimitRangeItemBuilder().withType("Container");
        target
            .limits()
            .getOrDefault("default", Map.of())
            .forEach(
                (k, v) -> item.addToDefault(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
        target
            .limits()
            .getOrDefault("default-request", Map.of())
            .forEach(
                (k, v) ->
                    item.addToDefaultRequest(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
        context
            .client
            .resource(
                new io.fabric8.kubernetes.api.model.LimitRangeBuilder()
                    .withNewMetadata()
                    .withName("sandbox-limits")
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withLimits(item.build())
                    .endSpec()
                    .build())
            .fieldManager(Apply.FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
      }
      if (!target.quota().isEmpty()) {
        Map<String, io.fabric8.kubernetes.api.model.Quantity> hard = new LinkedHashMap<>();
        target
            .quota()
            .forEach((k, v) -> hard.put(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
        context
            .client
            .resource(
                new io.fabric8.kubernetes.api.model.ResourceQuotaBuilder()
                    .withNewMetadata()
                    .withName("sandbox-quota")
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withHard(hard)
                    .endSpec()
                    .build())
            .fieldManager(Apply.FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
      }
    }
  }

  /**
   * Creates (or keeps) one of the sandbox's namespaces, labelled as its own; refuses one that
   * belongs to another sandbox, and says which key to set when the kubeconfig may not create it.
   */
  private static void create(
      DeployContext context,
      Tenancy tenancy,
      String namespace,
      Map<String, String> labels,
      Map<String, String> mapping) {
    try {
      var existing = context.client.namespaces().withName(namespace).get();
      String owner =
          existing == null || existing.getMetadata().getLabels() == null
              ? null
              : existing.getMetadata().getLabels().get(Tenancy.SANDBOX);
      if (existing != null && !tenancy.id().equals(owner)) {
        throw new SandboxException(
            "Namespace "
                + namespace
                + " exists on the cluster and is not this sandbox's ("
                + (owner == null ? "no sandbox label" : "it is sandbox " + owner + "'s")
                + "), so the sandbox does not take it over. Choose another name with --name, or"
                + " give it under target.namespaces if it was made for this sandbox.");
      }
      context
          .client
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(namespace)
                  .withLabels(labels)
                  .endMetadata()
                  .build())
          .fieldManager(Apply.FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        throw new SandboxException(
            "This kubeconfig may not create namespace "
                + namespace
                + " on the cluster ("
                + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage())
                + "). Give the sandbox pre-created namespaces under target.namespaces in the"
                + " stack file (for example "
                + reverse(mapping, namespace)
                + ": <a namespace you may use>), or use a kubeconfig that may create them.",
            e);
      }
      throw e;
    }
  }

  private static String reverse(Map<String, String> map, String mapped) {
    return map.entrySet().stream()
        .filter(e -> e.getValue().equals(mapped))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(Tenancy.SERVICES);
  }

  /**
   * A pre-created namespace that exists and that the kubeconfig may act in: a dry-run create of a
   * ConfigMap there answers 404 for a missing namespace and 403 for one it may not use.
   */
  private static void requireAccess(DeployContext context, String namespace) {
    try {
      context
          .client
          .resource(
              new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("sandbox-access-check")
                  .withNamespace(namespace)
                  .endMetadata()
                  .build())
          .dryRun()
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return; // exists already: the namespace does, and the request was allowed to get there
      }
      throw new SandboxException(
          "Namespace "
              + namespace
              + " (given in target.namespaces) cannot be used with this kubeconfig: "
              + (e.getCode() == 403
                  ? "it may not act there ("
                      + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage())
                      + ")"
                  : e.getCode() == 404 ? "it does not exist" : SandboxException.describe(e))
              + ". Create the namespace and bind the kubeconfig's account to a Role there.",
          e);
    }
  }
}
