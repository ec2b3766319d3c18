package dev.sandbox.k3s;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Server-side apply of ordered manifests with field manager {@code sandbox}. Every object is
 * checked first ({@link Precheck}: discovery and a server-side dry-run), so a batch with a bad
 * object applies nothing; policy denials are collected, not reported one per run. Namespaces and
 * CRDs go first, and the apply waits for CRDs to be Established before anything that may use them.
 * Internal.
 */
public final class Apply {

  public static final String FIELD_MANAGER = "sandbox";

  private Apply() {}

  public static void apply(
      KubernetesClient client,
      List<Manifest> manifests,
      boolean forceConflicts,
      Duration crdTimeout,
      ProgressListener listener) {
    try (ApiWarnings warnings = new ApiWarnings(client)) {
      applyChecked(client, warnings, manifests, forceConflicts, crdTimeout, listener);
    }
  }

  private static void applyChecked(
      KubernetesClient client,
      ApiWarnings warnings,
      List<Manifest> manifests,
      boolean forceConflicts,
      Duration crdTimeout,
      ProgressListener listener) {
    List<Manifest> ordered = foundationsFirst(manifests);
    Precheck precheck = new Precheck(client, warnings, forceConflicts);
    List<Manifest> deferred = new ArrayList<>();
    Precheck.Findings findings = precheck.check(ordered, deferred);
    report(findings.verdicts(), listener);
    findings.throwIfAny("Nothing was applied.");
    boolean foundationsApplied = false;
    List<SandboxException.PolicyViolations.Violation> violations = new ArrayList<>();
    for (Manifest manifest : ordered) {
      if (!foundationsApplied && !isFoundation(manifest)) {
        foundationsApplied = true;
        // custom resources of CRDs from this batch can only be dry-run now that those are served
        Precheck.Findings later = precheck.dryRun(deferred);
        report(later.verdicts(), listener);
        later.throwIfAny(
            "Only the Namespaces and CustomResourceDefinitions of these manifests were applied.");
      }
      GenericKubernetesResource resource = manifest.resource();
      try {
        var op = client.resource(resource).fieldManager(FIELD_MANAGER);
        (forceConflicts ? op.forceConflicts() : op).serverSideApply();
      } catch (KubernetesClientException e) {
        var denial = Precheck.denial(manifest, e);
        if (denial.isPresent()) {
          // keep going: the user gets every violation at once, not one per run
          violations.add(denial.get());
          listener.onEvent(
              ProgressListener.Event.info(
                  "policies",
                  "denied " + manifest.displayName() + " (" + denial.get().policy() + ")"));
          continue;
        }
        throw new SandboxException.ManifestApply(Precheck.rejection(manifest, e), e);
      }
      listener.onEvent(
          ProgressListener.Event.info("manifests", "applied " + manifest.displayName()));
      if (manifest.kind().equals("CustomResourceDefinition")) {
        awaitEstablished(client, manifest, crdTimeout);
      }
    }
    if (!violations.isEmpty()) {
      throw new SandboxException.PolicyViolations(violations);
    }
  }

  /**
   * Shows what admission let in with a warning: one line per object and policy, on the {@code
   * policies} component, so that {@code up}, {@code apply} and the JUnit report show it.
   */
  private static void report(List<Verdict> verdicts, ProgressListener listener) {
    for (Verdict verdict : verdicts) {
      listener.onEvent(ProgressListener.Event.info("policies", verdict.line()));
    }
  }

  /** Namespaces and CRDs before everything else, each group in its original order. */
  static List<Manifest> foundationsFirst(List<Manifest> manifests) {
    List<Manifest> ordered = new ArrayList<>();
    manifests.stream().filter(m -> m.kind().equals("Namespace")).forEach(ordered::add);
    manifests.stream()
        .filter(m -> m.kind().equals("CustomResourceDefinition"))
        .forEach(ordered::add);
    manifests.stream().filter(m -> !isFoundation(m)).forEach(ordered::add);
    return ordered;
  }

  private static boolean isFoundation(Manifest manifest) {
    return manifest.kind().equals("Namespace")
        || manifest.kind().equals("CustomResourceDefinition");
  }

  private static void awaitEstablished(
      KubernetesClient client, Manifest manifest, Duration timeout) {
    try {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(manifest.name())
          .waitUntilCondition(Apply::established, timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      throw new SandboxException.ManifestApply(
          manifest.origin()
              + ": the CRD was not Established within "
              + timeout.toSeconds()
              + " s. Check it with `kubectl describe crd "
              + manifest.name()
              + "`.",
          e);
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
