package dev.sandbox.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandbox.SandboxEngine;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What each platform step last deployed into this cluster, as a fingerprint of everything it
 * applied (ConfigMap {@code kube-system/sandbox-deployed}): a step whose fingerprint is unchanged
 * is skipped, which is what makes {@code apply} after a YAML-only change fast. It lives in the
 * cluster, so a new cluster starts without marks; a step's mark is taken away before the step runs
 * and given back only when it succeeded, so a failed or killed step runs again. Internal.
 */
final class DeployMarks {

  static final String NAMESPACE = "kube-system";
  static final String NAME = "sandbox-deployed";

  private static final ObjectMapper CANONICAL =
      Serialization.jsonMapper()
          .copy()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** When this build of the engine was made (version.properties), or {@code dev}. */
  private static final String BUILD = build();

  private static String build() {
    try (var in = SandboxEngine.class.getResourceAsStream("version.properties")) {
      java.util.Properties properties = new java.util.Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("build", "dev");
    } catch (java.io.IOException e) {
      return "dev";
    }
  }

  private final KubernetesClient client;
  private final Map<String, String> marks;
  private boolean dirty;

  private DeployMarks(KubernetesClient client, Map<String, String> marks) {
    this.client = client;
    this.marks = marks;
  }

  /** The marks of the cluster; none when it has none (or they cannot be read). */
  static DeployMarks read(KubernetesClient client) {
    Map<String, String> marks = new LinkedHashMap<>();
    try {
      ConfigMap found = client.configMaps().inNamespace(NAMESPACE).withName(NAME).get();
      if (found != null && found.getData() != null) {
        marks.putAll(found.getData());
      }
    } catch (KubernetesClientException e) {
      // unreadable marks: every step runs
    }
    return new DeployMarks(client, marks);
  }

  /** No marks: every step runs, and what they deploy is recorded. */
  static DeployMarks none(KubernetesClient client) {
    return new DeployMarks(client, new LinkedHashMap<>());
  }

  /**
   * The fingerprint of what a step is about to apply: the sandbox version plus its inputs, as
   * canonical JSON (map keys sorted), hashed.
   */
  static String fingerprint(Object... inputs) {
    try {
      String text = CANONICAL.writeValueAsString(java.util.List.of(inputs));
      // a new build of the same version may deploy differently: its marks do not count
      return Stack.shortHash(SandboxEngine.VERSION + "|" + BUILD + "|" + text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot fingerprint " + java.util.List.of(inputs), e);
    }
  }

  boolean unchanged(String step, String fingerprint) {
    return fingerprint.equals(marks.get(step));
  }

  /** Takes the step's mark away in the cluster before it runs (when it has one). */
  void forget(String step) {
    if (marks.remove(step) != null) {
      write();
    }
  }

  /** Records the step's fingerprint; written by {@link #flush()}. */
  void remember(String step, String fingerprint) {
    if (!fingerprint.equals(marks.put(step, fingerprint))) {
      dirty = true;
    }
  }

  void flush() {
    if (dirty) {
      write();
    }
  }

  /**
   * The UID of each namespace (or {@code absent}): part of the fingerprint of a step that puts
   * objects into them, so a namespace deleted and recreated by hand counts as a change.
   */
  static Map<String, String> uids(
      KubernetesClient client, java.util.Collection<String> namespaces) {
    Map<String, String> uids = new java.util.TreeMap<>();
    namespaces.forEach(ns -> uids.put(ns, "absent"));
    for (var ns : client.namespaces().list().getItems()) {
      if (uids.containsKey(ns.getMetadata().getName())) {
        uids.put(ns.getMetadata().getName(), ns.getMetadata().getUid());
      }
    }
    return uids;
  }

  private void write() {
    client
        .configMaps()
        .inNamespace(NAMESPACE)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(NAME)
                .withNamespace(NAMESPACE)
                .addToLabels("app.kubernetes.io/managed-by", "sandbox")
                .endMetadata()
                .withData(new LinkedHashMap<>(marks))
                .build())
        .forceConflicts()
        .fieldManager("sandbox-marks")
        .serverSideApply();
    dirty = false;
  }
}
