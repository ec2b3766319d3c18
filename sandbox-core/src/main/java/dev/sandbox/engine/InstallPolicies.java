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
    PolicyPacks.labelNamespaces(context.client, stack, namespaces);
    PolicyPacks.apply(context.client, packs, stack.readiness().timeout());
    PolicyPacks.awaitGuardrails(context.client, stack, GUARDRAILS_ACTIVE);
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
}
