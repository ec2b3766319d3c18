package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.policy.PolicyPacks;
import dev.sandbox.stack.Stack;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Installs the platform's policy packs (Pod Security labels, NetworkPolicies, admission guardrails)
 * and the team's own policies on every namespace the application's objects land in — {@code
 * default} too, for objects that name no namespace — and waits until the guardrails are in force.
 */
final class InstallPolicies extends Step {

  InstallPolicies() {
    super("policies");
  }

  private static final Duration GUARDRAILS_ACTIVE = Duration.ofSeconds(60);

  @Override
  boolean appliesTo(DeployContext context) {
    Stack.Policies policies = context.stack.policies();
    return !policies.packs().isEmpty() || !policies.custom().isEmpty();
  }

  @Override
  String describe(DeployContext context) {
    Stack.Policies policies = context.stack.policies();
    return String.join(", ", policies.packs())
        + (policies.custom().isEmpty() ? "" : " + the team's own");
  }

  @Override
  String fingerprint(DeployContext context) {
    Set<String> namespaces = WireServices.Namespaces.of(context.manifests);
    List<Object> packs = new java.util.ArrayList<>();
    for (Manifest pack : PolicyPacks.manifests(context.stack, namespaces, context.loader)) {
      packs.add(pack.resource());
    }
    return DeployMarks.fingerprint(
        "policies", context.stack.policies(), DeployMarks.uids(context.client, namespaces), packs);
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Stack stack = context.stack;
    Set<String> namespaces = WireServices.Namespaces.of(context.manifests);
    List<Manifest> packs = PolicyPacks.manifests(stack, namespaces, context.loader);
    if (context.cluster != null) {
      packs = onCluster(context, namespaces, packs, listener);
      List<String> labelled = new java.util.ArrayList<>(namespaces);
      labelled.retainAll(context.createdNamespaces);
      if (stack.policies().packs().contains("pod-security")) {
        for (String given : namespaces) {
          if (!labelled.contains(given)) {
            leaveOut(
                context,
                listener,
                "Pod Security labels on namespace "
                    + given
                    + ": it was given pre-created, and labelling a namespace is the cluster"
                    + " admin's right; the cluster's own Pod Security settings apply there");
          }
        }
      }
      PolicyPacks.labelNamespaces(context.client, stack, labelled);
      // the lease lists the kinds of the team's own policies too, so down finds them
      java.util.Set<String> kinds = new java.util.LinkedHashSet<>();
      packs.stream()
          .filter(scopesNamespaced(context))
          .forEach(p -> kinds.add(p.resource().getApiVersion() + "/" + p.kind()));
      dev.sandbox.cluster.ClusterSandboxes.hold(
          context.client,
          context.cluster.tenancy(),
          context.clusterNamespaces,
          kinds,
          context.cluster.lease());
      PolicyPacks.apply(context.client, packs, stack.readiness().timeout());
      if (packs.stream().anyMatch(p -> p.kind().equals("ValidatingAdmissionPolicy"))) {
        PolicyPacks.awaitGuardrails(
            context.client,
            stack,
            GUARDRAILS_ACTIVE,
            labelled.get(0),
            context.cluster.tenancy().id() + "-");
      }
    } else {
      PolicyPacks.labelNamespaces(context.client, stack, namespaces);
      PolicyPacks.apply(context.client, packs, stack.readiness().timeout());
      PolicyPacks.awaitGuardrails(context.client, stack, GUARDRAILS_ACTIVE);
    }
    Stack.Policies policies = stack.policies();
    return packs.size()
        + " policy object(s); Pod Security "
        + (policies.packs().contains("pod-security")
            ? policies.podSecurity().level() + " (" + policies.podSecurity().mode() + ")"
            : "off")
        + (namespaces.isEmpty()
            ? " (no object lands in a namespace)"
            : " on " + String.join(", ", namespaces));
  }

  /**
   * On a shared cluster the packs go into the sandbox's own namespaces only: admission policies
   * (cluster-wide by nature) are left out and reported, and the team's own namespaced policies move
   * into the sandbox's namespaces like the manifests.
   */
  private static List<Manifest> onCluster(
      DeployContext context,
      Set<String> namespaces,
      List<Manifest> packs,
      ProgressListener listener) {
    List<Manifest> kept = new java.util.ArrayList<>();
    dev.sandbox.cluster.Tenancy tenancy = context.cluster.tenancy();
    List<String> own = new java.util.ArrayList<>(namespaces);
    own.retainAll(context.createdNamespaces);
    boolean scoped = !own.isEmpty() && mayInstallAdmissionPolicies(context);
    List<String> unscoped = new java.util.ArrayList<>();
    ReadManifests.Scopes scopes = new ReadManifests.Scopes(context);
    for (Manifest pack : packs) {
      boolean guardrail =
          "guardrails"
              .equals(
                  pack.resource().getMetadata().getLabels() == null
                      ? null
                      : pack.resource().getMetadata().getLabels().get("sandbox.dev/pack"));
      if (guardrail && scoped) {
        // with cluster rights: the guardrails under the sandbox's own names, bound to the
        // namespaces it created (they carry its label), never another tenant's
        dev.sandbox.cluster.NamespaceMapping.scopeAdmissionPolicy(pack, tenancy);
        kept.add(pack);
        continue;
      }
      if (!scopes.namespaced(pack)) {
        // by API discovery, as the manifests: a team's Kyverno ClusterPolicy or Gatekeeper
        // constraint acts on every tenant, whatever the list of common kinds says
        unscoped.add(pack.displayName());
        continue;
      }
      // by this label down and gc find it in namespaces the sandbox was given
      var metadata = pack.resource().getMetadata();
      java.util.Map<String, String> labels =
          metadata.getLabels() == null
              ? new java.util.LinkedHashMap<>()
              : new java.util.LinkedHashMap<>(metadata.getLabels());
      labels.put(dev.sandbox.cluster.Tenancy.SANDBOX, tenancy.id());
      metadata.setLabels(labels);
      String ns = pack.namespace() == null ? "default" : pack.namespace();
      if (!namespaces.contains(ns)) {
        pack.moveTo(context.cluster.tenancy().namespace(ns));
      }
      kept.add(pack);
    }
    if (!unscoped.isEmpty()) {
      leaveOut(
          context,
          listener,
          String.join(", ", unscoped)
              + ": admission policies act on the whole cluster, every tenant's, and "
              + (namespaces.isEmpty()
                  ? "no object of the manifests lands in a namespace to bind them to"
                  : own.isEmpty()
                      ? "the sandbox's namespaces were given pre-created, so none carries its"
                          + " label to bind them to"
                      : "this kubeconfig may not create them")
              + "; the platform team installs them there");
    }
    return kept;
  }

  private static java.util.function.Predicate<Manifest> scopesNamespaced(DeployContext context) {
    ReadManifests.Scopes scopes = new ReadManifests.Scopes(context);
    return scopes::namespaced;
  }

  /** Whether the kubeconfig may create ValidatingAdmissionPolicies (and their bindings). */
  private static boolean mayInstallAdmissionPolicies(DeployContext context) {
    for (String resource :
        List.of("validatingadmissionpolicies", "validatingadmissionpolicybindings")) {
      var review =
          new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder()
              .withNewSpec()
              .withNewResourceAttributes()
              .withGroup("admissionregistration.k8s.io")
              .withResource(resource)
              .withVerb("create")
              .endResourceAttributes()
              .endSpec()
              .build();
      var answer = context.client.authorization().v1().selfSubjectAccessReview().create(review);
      if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
        return false;
      }
    }
    return true;
  }

  private static void leaveOut(DeployContext context, ProgressListener listener, String why) {
    context.leftOut.add(why);
    listener.onEvent(ProgressListener.Event.info("policies", "left out " + why));
  }
}
