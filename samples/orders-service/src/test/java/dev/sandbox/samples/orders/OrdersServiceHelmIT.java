package dev.sandbox.samples.orders;

import dev.sandbox.junit.WithCluster;

/**
 * The same tests against the chart form of the production YAML: chart/ rendered with
 * values-prod.yaml by the sandbox itself (no helm binary), with the same Service names, Secrets,
 * NetworkPolicies and guardrails as the kustomize overlay.
 */
@WithCluster(stack = "sandbox-helm.yaml")
class OrdersServiceHelmIT extends OrdersServiceIT {}
