package dev.sandbox.policy;

import dev.sandbox.SandboxException;
import dev.sandbox.k3s.ApiWarnings;
import dev.sandbox.k3s.Apply;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.manifest.ManifestLoader;
import dev.sandbox.poll.Poll;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform's guardrails, installed before the manifests: Pod Security labels on application
 * namespaces, default-deny NetworkPolicies with DNS allowed, CEL ValidatingAdmissionPolicies, and
 * the team's own policy YAML. The packs are YAML resources of the {@code stacks} module. Internal.
 */
public final class PolicyPacks {

  static final String PACKS = "dev/sandbox/stacks/packs/";

  /** Labels are owned by their own field manager so re-applying a Namespace manifest keeps them. */
  static final String FIELD_MANAGER = "sandbox-policies";

  private PolicyPacks() {}

  /** The pack objects for the given application namespaces, plus the team's own policies. */
  public static List<Manifest> manifests(
      Stack stack, Collection<String> namespaces, ManifestLoader loader) {
    List<Manifest> result = new ArrayList<>();
    List<String> packs = stack.policies().packs();
    if (packs.contains("network")) {
      String template = resource("network.yaml");
      for (String namespace : namespaces) {
        result.addAll(
            loader.parseText(
                "pack network (" + namespace + ")", template.replace("NAMESPACE", namespace)));
      }
    }
    if (packs.contains("guardrails")) {
      String text = resource("guardrails.yaml");
      for (Map.Entry<String, String> action : stack.policies().guardrails().entrySet()) {
        // Audit alone only writes the API server's audit log, which nobody reads in a sandbox:
        // it also warns, so that up and apply show the verdict (as an audit verdict)
        String actions = action.getValue().equals("Audit") ? "Audit, Warn" : action.getValue();
        text = text.replace("ACTION_" + action.getKey(), actions);
      }
      result.addAll(loader.parseText("pack guardrails", text));
    }
    result.addAll(loader.load(stack.policies().custom()));
    return result;
  }

  /**
   * Labels application namespaces for Pod Security Admission. In {@code enforce} mode the same
   * level also warns, so applying a violating Deployment says why right away.
   */
  public static void labelNamespaces(
      KubernetesClient client, Stack stack, Collection<String> namespaces) {
    if (!stack.policies().packs().contains("pod-security")) {
      return;
    }
    Stack.PodSecurity psa = stack.policies().podSecurity();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("pod-security.kubernetes.io/" + psa.mode(), psa.level());
    if (psa.mode().equals("enforce")) {
      labels.put("pod-security.kubernetes.io/warn", psa.level());
      labels.put("pod-security.kubernetes.io/audit", psa.level());
    }
    for (String namespace : namespaces) {
      client
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(namespace)
                  .withLabels(labels)
                  .endMetadata()
                  .build())
          .fieldManager(FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
    }
  }

  /**
   * Admission policies take effect once the API server has loaded them, each in its own time; waits
   * until every guardrail answers a dry-run of a probe that breaks it alone — a denial naming it
   * (Deny), or a warning naming it (Warn, Audit) — so that the manifests that follow are judged by
   * all of them. Denying guardrails are probed first, through the given client; the warning-reading
   * client is only made for the others.
   */
  public static void awaitGuardrails(KubernetesClient client, Stack stack, Duration timeout) {
    awaitGuardrails(client, stack, timeout, "default", "");
  }

  /**
   * As {@link #awaitGuardrails(KubernetesClient, Stack, Duration)}, probing in {@code namespace}
   * for guardrails whose names carry {@code prefix} (a sandbox's on a shared cluster: {@code
   * <id>-sandbox-probes}, bound to its own namespaces).
   */
  public static void awaitGuardrails(
      KubernetesClient client, Stack stack, Duration timeout, String namespace, String prefix) {
    if (!stack.policies().packs().contains("guardrails")) {
      return;
    }
    List<String> pending = new ArrayList<>();
    stack
        .policies()
        .guardrails()
        .forEach(
            (name, action) -> {
              if (action.equals("Deny")) {
                pending.add(0, name);
              } else {
                pending.add(name);
              }
            });
    String[] last = {"the probe was admitted (the policies are not loaded yet)"};
    ApiWarnings[] warnings = {null};
    try {
      // never go on as if the guardrails were active when nobody saw them take effect: an
      // interrupt ends the wait with an exception, not a return
      Poll.until(
          "the guardrail admission policies to take effect (they may not be active)",
          timeout,
          Duration.ofMillis(200),
          seen -> {
            // in order, stopping at the first one not active yet: the others are asked next round
            while (!pending.isEmpty()) {
              String guardrail = pending.get(0);
              boolean denies = "Deny".equals(stack.policies().guardrails().get(guardrail));
              if (!denies && warnings[0] == null) {
                warnings[0] = new ApiWarnings(client);
              }
              if (!active(
                  client, denies ? null : warnings[0], guardrail, last, namespace, prefix)) {
                seen.is(last[0]);
                return null;
              }
              pending.remove(0);
            }
            return Boolean.TRUE;
          },
          lastSeen ->
              new SandboxException.ServiceStartup(
                  "The guardrail admission policies did not take effect within "
                      + timeout.toSeconds()
                      + " s (waiting for "
                      + String.join(", ", pending.stream().map(g -> "sandbox-" + g).toList())
                      + "; last: "
                      + lastSeen
                      + "). Check `kubectl get validatingadmissionpolicies` in the sandbox.",
                  null));
    } finally {
      if (warnings[0] != null) {
        warnings[0].close();
      }
    }
  }

  /**
   * Whether {@code guardrail} answers its probe: denied by an admission policy (with {@code
   * warnings} null: a denying one), or warned about by name (through {@code warnings}). Otherwise
   * {@code last[0]} says what was seen.
   */
  private static boolean active(
      KubernetesClient client,
      ApiWarnings warnings,
      String guardrail,
      String[] last,
      String namespace,
      String prefix) {
    KubernetesClient probing = warnings == null ? client : warnings.client();
    if (warnings != null) {
      warnings.drain();
    }
    try {
      var probe = probe(guardrail);
      probe.getMetadata().setNamespace(namespace);
      probing.resource(probe).dryRun().create();
    } catch (KubernetesClientException e) {
      switch (probeOutcome(e)) {
        case ACTIVE:
          return true; // denied by an admission policy: this one, or one of the team's
        case BROKEN:
          throw new SandboxException.ServiceStartup(
              "Could not check that the guardrail admission policies are active: the API server"
                  + " answered "
                  + e.getCode()
                  + " ("
                  + e.getMessage()
                  + "). Check `kubectl get validatingadmissionpolicies` in the sandbox.",
              e);
        case RETRY:
        default:
          last[0] = "the API server answered " + e.getCode() + ": " + e.getMessage();
          return false;
      }
    }
    if (warnings != null
        && warnings.drain().stream()
            .anyMatch(w -> w.contains("'" + prefix + "sandbox-" + guardrail + "'"))) {
      return true;
    }
    last[0] = "sandbox-" + guardrail + " let its probe pass without a word (not loaded yet)";
    return false;
  }

  /**
   * A Deployment that passes every guardrail but {@code breaks}: labelled, a tagged image,
   * resources, probes.
   */
  static io.fabric8.kubernetes.api.model.apps.Deployment probe(String breaks) {
    var container =
        new io.fabric8.kubernetes.api.model.ContainerBuilder()
            .withName("probe")
            .withImage(breaks.equals("image-tag") ? "probe" : "probe:1");
    if (!breaks.equals("resources")) {
      container
          .withNewResources()
          .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("10m"))
          .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("16Mi"))
          .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("16Mi"))
          .endResources();
    }
    if (!breaks.equals("probes")) {
      container
          .withNewLivenessProbe()
          .withNewTcpSocket()
          .withNewPort(1)
          .endTcpSocket()
          .endLivenessProbe()
          .withNewReadinessProbe()
          .withNewTcpSocket()
          .withNewPort(1)
          .endTcpSocket()
          .endReadinessProbe();
    }
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("sandbox-guardrail-probe")
        .withNamespace("default")
        .withLabels(
            breaks.equals("name-label")
                ? Map.of()
                : Map.of("app.kubernetes.io/name", "sandbox-guardrail-probe"))
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", "probe")
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "probe")
        .endMetadata()
        .withNewSpec()
        .addToContainers(container.build())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** What a failed dry-run of the probe says about the guardrails. */
  enum ProbeOutcome {
    /** Rejected by an admission policy: the guardrails are active. */
    ACTIVE,
    /** A passing condition (API server busy, restarting, throttling): ask again. */
    RETRY,
    /** Anything else (forbidden, invalid, not found): waiting would not change it. */
    BROKEN
  }

  static ProbeOutcome probeOutcome(KubernetesClientException e) {
    if (e.getMessage() != null && e.getMessage().contains("ValidatingAdmissionPolicy")) {
      return ProbeOutcome.ACTIVE;
    }
    int code = e.getCode();
    // 0: no HTTP answer (connection refused or reset while the API server settles)
    boolean transientFailure = code == 0 || code == 409 || code == 429 || code >= 500;
    return transientFailure ? ProbeOutcome.RETRY : ProbeOutcome.BROKEN;
  }

  /** Applies pack objects (field manager {@code sandbox}). */
  public static void apply(KubernetesClient client, List<Manifest> manifests, Duration timeout) {
    Apply.apply(client, manifests, true, timeout, dev.sandbox.ProgressListener.NONE);
  }

  private static String resource(String name) {
    try (InputStream in = PolicyPacks.class.getClassLoader().getResourceAsStream(PACKS + name)) {
      if (in == null) {
        throw new SandboxException(
            "The policy pack " + PACKS + name + " is missing from the classpath (the stacks jar).");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SandboxException("Cannot read policy pack " + name + ": " + e.getMessage(), e);
    }
  }
}
