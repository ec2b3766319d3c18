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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server-side apply of ordered manifests with field manager {@code sandbox}; waits for CRDs to be
 * Established before anything that may use them, and collects every policy denial instead of
 * stopping at the first. Internal.
 */
public final class Apply {

  public static final String FIELD_MANAGER = "sandbox";

  /** How the API server words a denial by a ValidatingAdmissionPolicy. */
  private static final Pattern POLICY_DENIAL =
      Pattern.compile("ValidatingAdmissionPolicy '([^']+)' with binding '[^']*' denied request:");

  private Apply() {}

  public static void apply(
      KubernetesClient client,
      List<Manifest> manifests,
      boolean forceConflicts,
      Duration crdTimeout,
      ProgressListener listener) {
    List<SandboxException.PolicyViolations.Violation> violations = new ArrayList<>();
    for (Manifest manifest : manifests) {
      GenericKubernetesResource resource = manifest.resource();
      try {
        var op = client.resource(resource).fieldManager(FIELD_MANAGER);
        (forceConflicts ? op.forceConflicts() : op).serverSideApply();
      } catch (KubernetesClientException e) {
        String reason =
            e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        Matcher policy = POLICY_DENIAL.matcher(reason);
        if (policy.find()) {
          // keep going: the user gets every violation at once, not one per run
          violations.add(
              new SandboxException.PolicyViolations.Violation(
                  policy.group(1),
                  manifest.displayName(),
                  manifest.source(),
                  reason.substring(policy.end()).strip()));
          listener.onEvent(
              ProgressListener.Event.info(
                  "policies", "denied " + manifest.displayName() + " (" + policy.group(1) + ")"));
          continue;
        }
        throw new SandboxException.ManifestApply(
            manifest.origin()
                + " was rejected by the API server: "
                + reason
                + (e.getCode() == 409
                    ? " Another field manager owns these fields; re-run with --force-conflicts to take them over."
                    : ""),
            e);
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
