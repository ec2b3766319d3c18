package dev.sandbox.k3s;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Server-side apply of ordered manifests with field manager {@code sandbox}; waits for CRDs to be
 * Established before anything that may use them. Internal.
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
