package dev.sandbox.k3s;

import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a batch of manifests against the cluster before any of it is applied: API discovery (is
 * the apiVersion/kind served?) and a server-side dry-run of the apply, so one bad object fails the
 * batch with every problem listed instead of leaving the objects before it applied. Objects whose
 * CRD is part of the same batch cannot be dry-run yet; they are checked against that CRD here and
 * dry-run once it is established ({@link #dryRun}). The dry-run judges each object as written
 * ({@link Manifest#written()}): the policies see production's images, not their local stand-ins,
 * and what they let in with a warning comes back as {@link Verdict}s. Internal.
 */
final class Precheck {

  /** How the API server words a denial by a ValidatingAdmissionPolicy. */
  static final Pattern POLICY_DENIAL =
      Pattern.compile("ValidatingAdmissionPolicy '([^']+)' with binding '[^']*' denied request:");

  private final KubernetesClient client;
  private final ApiWarnings warnings;
  private final boolean forceConflicts;
  private final Map<String, Boolean> auditingBindings = new HashMap<>();
  private final Map<String, Optional<APIResourceList>> discovery = new HashMap<>();
  private final Map<String, Boolean> namespaces = new HashMap<>();

  /**
   * @param warnings the client the dry-runs go through, keeping the API server's warnings
   */
  Precheck(KubernetesClient client, ApiWarnings warnings, boolean forceConflicts) {
    this.client = client;
    this.warnings = warnings;
    this.forceConflicts = forceConflicts;
  }

  /**
   * What the pre-check found; the batch may be applied when {@link #clean()}. Verdicts (warnings)
   * never stop it.
   */
  record Findings(
      List<String> problems,
      List<SandboxException.PolicyViolations.Violation> denials,
      List<Verdict> verdicts) {

    boolean clean() {
      return problems.isEmpty() && denials.isEmpty();
    }

    /**
     * Throws the findings as one exception: policy denials alone keep their own table, anything
     * else lists every problem and says what was (not) applied.
     */
    void throwIfAny(String applied) {
      if (clean()) {
        return;
      }
      if (problems.isEmpty()) {
        throw new SandboxException.PolicyViolations(denials);
      }
      List<String> all = new ArrayList<>(problems);
      for (var denial : denials) {
        all.add(
            denial.source()
                + " ("
                + denial.workload()
                + ") was denied by policy "
                + denial.policy()
                + ": "
                + denial.message());
      }
      throw new SandboxException.ManifestApply(message(all, applied), null);
    }
  }

  static String message(List<String> problems, String applied) {
    if (problems.size() == 1) {
      return problems.get(0) + "\n" + applied;
    }
    return problems.size()
        + " objects failed the pre-check against the cluster:\n  "
        + String.join("\n  ", problems)
        + "\n"
        + applied;
  }

  /**
   * Checks every object of the batch. Those whose CRD is in the batch are only checked against that
   * CRD and returned in {@code deferred}, to be dry-run once it is established.
   */
  Findings check(List<Manifest> batch, List<Manifest> deferred) {
    Map<String, Set<String>> batchCrds = crdVersions(batch);
    Set<String> batchNamespaces = new LinkedHashSet<>();
    batch.stream()
        .filter(m -> m.kind().equals("Namespace"))
        .forEach(m -> batchNamespaces.add(m.name()));
    List<String> problems = new ArrayList<>();
    List<SandboxException.PolicyViolations.Violation> denials = new ArrayList<>();
    List<Verdict> verdicts = new ArrayList<>();
    for (Manifest manifest : batch) {
      String apiVersion = manifest.resource().getApiVersion();
      Set<String> fromBatch = batchCrds.get(groupKind(apiVersion, manifest.kind()));
      if (fromBatch != null) {
        if (fromBatch.contains(apiVersion)) {
          deferred.add(manifest);
        } else {
          problems.add(
              notServed(manifest)
                  + " (the CRD in the manifests serves "
                  + String.join(", ", fromBatch)
                  + ")");
        }
        continue;
      }
      Optional<APIResource> served = served(apiVersion, manifest.kind());
      if (served.isEmpty()) {
        problems.add(notServed(manifest) + ".");
        continue;
      }
      if (Boolean.TRUE.equals(served.get().getNamespaced())) {
        String namespace = namespaceOf(manifest);
        if (!namespaceExists(namespace)) {
          if (batchNamespaces.contains(namespace)) {
            // cannot be dry-run before its Namespace exists; the Namespace itself is dry-run
            continue;
          }
          problems.add(missingNamespace(manifest, namespace));
          continue;
        }
      }
      dryRun(manifest, problems, denials, verdicts);
    }
    return new Findings(problems, denials, verdicts);
  }

  /** Server-side dry-runs of objects checked earlier only against a CRD of their batch. */
  Findings dryRun(List<Manifest> manifests) {
    List<String> problems = new ArrayList<>();
    List<SandboxException.PolicyViolations.Violation> denials = new ArrayList<>();
    List<Verdict> verdicts = new ArrayList<>();
    for (Manifest manifest : manifests) {
      dryRun(manifest, problems, denials, verdicts);
    }
    return new Findings(problems, denials, verdicts);
  }

  private void dryRun(
      Manifest manifest,
      List<String> problems,
      List<SandboxException.PolicyViolations.Violation> denials,
      List<Verdict> verdicts) {
    warnings.drain();
    try {
      try {
        dryRun(manifest.written());
      } catch (KubernetesClientException e) {
        if (manifest.written() == manifest.resource() || !immutable(e)) {
          throw e;
        }
        // the object exists with its images rewritten (a Job's pod template cannot change): as
        // written, it would change them back, which validation refuses before any policy judges
        // it. What the apply writes is the rewritten object, so that is what is checked.
        warnings.drain();
        dryRun(manifest.resource());
      }
      for (String warning : warnings.drain()) {
        verdicts.add(Verdict.of(manifest, warning, this::audits));
      }
    } catch (KubernetesClientException e) {
      Optional<SandboxException.PolicyViolations.Violation> denial = denial(manifest, e);
      if (denial.isPresent()) {
        denials.add(denial.get());
      } else {
        problems.add(rejection(manifest, e));
      }
    }
  }

  private void dryRun(io.fabric8.kubernetes.api.model.GenericKubernetesResource object) {
    var op = warnings.client().resource(object).dryRun().fieldManager(Apply.FIELD_MANAGER);
    (forceConflicts ? op.forceConflicts() : op).serverSideApply();
  }

  /** The API server refused to change a field that cannot change once the object exists. */
  static boolean immutable(KubernetesClientException e) {
    return e.getCode() == 422 && reason(e).contains("field is immutable");
  }

  /** Whether a ValidatingAdmissionPolicyBinding's actions include Audit (its warnings audit). */
  private boolean audits(String binding) {
    return auditingBindings.computeIfAbsent(
        binding,
        name -> {
          try {
            var found =
                client
                    .admissionRegistration()
                    .v1()
                    .validatingAdmissionPolicyBindings()
                    .withName(name)
                    .get();
            return found != null
                && found.getSpec() != null
                && found.getSpec().getValidationActions() != null
                && found.getSpec().getValidationActions().contains("Audit");
          } catch (KubernetesClientException e) {
            // the verdict is still shown, only as a warning
            return false;
          }
        });
  }

  /** The ValidatingAdmissionPolicy that denied the object, if that is why it was rejected. */
  static Optional<SandboxException.PolicyViolations.Violation> denial(
      Manifest manifest, KubernetesClientException e) {
    String reason = reason(e);
    Matcher policy = POLICY_DENIAL.matcher(reason);
    if (!policy.find()) {
      return Optional.empty();
    }
    return Optional.of(
        new SandboxException.PolicyViolations.Violation(
            policy.group(1),
            manifest.displayName(),
            manifest.source(),
            reason.substring(policy.end()).strip()));
  }

  /**
   * {@code file, document n (Kind/ns/name) was rejected by the API server: reason}: the API
   * server's own words (its Status message), never the request URL fabric8 puts around them.
   */
  static String rejection(Manifest manifest, KubernetesClientException e) {
    return manifest.origin()
        + " was rejected by the API server: "
        + reason(e)
        + (e.getCode() == 409
            ? " Another field manager owns these fields; re-run with --force-conflicts to take them"
                + " over."
            : immutable(e)
                ? " These fields cannot change once the object exists (a Job's pod template, a"
                    + " Deployment's selector): delete it (kubectl delete "
                    + manifest.kind().toLowerCase(java.util.Locale.ROOT)
                    + " "
                    + manifest.name()
                    + (manifest.namespace() == null || manifest.namespace().isBlank()
                        ? ""
                        : " -n " + manifest.namespace())
                    + ") and apply again."
                : "");
  }

  /** The API server's reason, or the root cause when no Status came back (connection lost). */
  static String reason(KubernetesClientException e) {
    if (e.getStatus() != null
        && e.getStatus().getMessage() != null
        && !e.getStatus().getMessage().isBlank()) {
      return e.getStatus().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e || root.getMessage() == null
        ? String.valueOf(e.getMessage())
        : root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  static String notServed(Manifest manifest) {
    return manifest.origin()
        + ": kind "
        + manifest.kind()
        + " ("
        + manifest.resource().getApiVersion()
        + ") is not served by the cluster: install its CRD first (add it to manifests), or list it"
        + " under manifests.exclude-kinds";
  }

  private String missingNamespace(Manifest manifest, String namespace) {
    try {
      client
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .dryRun()
          .create();
    } catch (KubernetesClientException e) {
      return manifest.origin() + " was rejected by the API server: " + reason(e);
    }
    return manifest.origin()
        + ": namespace "
        + namespace
        + " does not exist. Add a Namespace manifest for it, or create it first.";
  }

  /**
   * {@code group/kind} of every CRD in the batch, mapped to the apiVersions it serves: the custom
   * resources of the same batch are valid once it is applied.
   */
  static Map<String, Set<String>> crdVersions(List<Manifest> batch) {
    Map<String, Set<String>> result = new LinkedHashMap<>();
    for (Manifest manifest : batch) {
      if (!manifest.kind().equals("CustomResourceDefinition")
          || !(manifest.resource().getAdditionalProperties().get("spec")
              instanceof Map<?, ?> spec)) {
        continue;
      }
      if (!(spec.get("group") instanceof String group)
          || !(spec.get("names") instanceof Map<?, ?> names)
          || !(names.get("kind") instanceof String kind)) {
        continue;
      }
      Set<String> versions =
          result.computeIfAbsent(group + "/" + kind, key -> new LinkedHashSet<>());
      if (spec.get("versions") instanceof List<?> list) {
        for (Object item : list) {
          if (item instanceof Map<?, ?> version
              && version.get("name") instanceof String name
              && !Boolean.FALSE.equals(version.get("served"))) {
            versions.add(group + "/" + name);
          }
        }
      }
    }
    return result;
  }

  /** {@code group/kind}; the core group is empty. */
  static String groupKind(String apiVersion, String kind) {
    int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
    return (slash < 0 ? "" : apiVersion.substring(0, slash)) + "/" + kind;
  }

  private Optional<APIResource> served(String apiVersion, String kind) {
    Optional<APIResourceList> resources =
        discovery.computeIfAbsent(apiVersion == null ? "" : apiVersion, this::discover);
    return resources.flatMap(
        list ->
            list.getResources().stream()
                // subresources (deployments/scale) carry their parent's kind
                .filter(r -> kind.equals(r.getKind()) && !r.getName().contains("/"))
                .findFirst());
  }

  private Optional<APIResourceList> discover(String apiVersion) {
    if (apiVersion.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(client.getApiResources(apiVersion));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return Optional.empty();
      }
      throw new SandboxException.ManifestApply(
          "API discovery of " + apiVersion + " failed: " + reason(e) + " Nothing was applied.", e);
    }
  }

  private String namespaceOf(Manifest manifest) {
    if (manifest.namespace() != null) {
      return manifest.namespace();
    }
    // like kubectl: the client's namespace (the kubeconfig context's), else "default"
    return client.getNamespace() != null ? client.getNamespace() : "default";
  }

  private boolean namespaceExists(String namespace) {
    return namespaces.computeIfAbsent(
        namespace,
        ns -> {
          try {
            return client.namespaces().withName(ns).get() != null;
          } catch (KubernetesClientException e) {
            // an invalid name can make the lookup itself fail; the dry-run says why
            return false;
          }
        });
  }
}
