package dev.sandbox.monitoring;

import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.manifest.ManifestLoader;
import dev.sandbox.manifest.YamlInput;
import dev.sandbox.stack.ShortHash;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;

/**
 * The monitoring pack: Prometheus in namespace {@code sandbox-monitoring} with the team's alerting
 * rules (PrometheusRule objects or plain rule files). Internal.
 */
public final class MonitoringPack {

  public static final String NAMESPACE = "sandbox-monitoring";
  public static final String SERVICE = "prometheus";
  public static final int PORT = 9090;

  /**
   * The NodePort of the Prometheus Service; the k3s container publishes it on 127.0.0.1, so {@code
   * sandbox env} can hand out a Prometheus URL that needs no port-forward process.
   */
  public static final int NODE_PORT = 30090;

  private MonitoringPack() {}

  public static List<Manifest> manifests(Stack stack, ManifestLoader loader) {
    if (!stack.monitoring().enabled()) {
      return List.of();
    }
    Map<String, String> rules = rules(stack.monitoring().rules());
    String text =
        resource()
            .replace("PROMETHEUS_IMAGE", stack.monitoring().image())
            .replace("RULES_HASH", hash(rules.toString()));
    List<Manifest> result = new ArrayList<>(loader.parseText("pack monitoring", text));
    var configMap =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("prometheus-rules")
            .withNamespace(NAMESPACE)
            .endMetadata()
            .withData(rules)
            .build();
    KubernetesSerialization serialization = new KubernetesSerialization();
    result.add(
        1,
        new Manifest(
            "pack monitoring (rules)",
            0,
            serialization.convertValue(configMap, GenericKubernetesResource.class)));
    return result;
  }

  /** Rule files by name; PrometheusRule objects are reduced to their {@code spec} (groups). */
  @SuppressWarnings("unchecked")
  static Map<String, String> rules(List<Path> files) {
    Map<String, String> data = new LinkedHashMap<>();
    for (Path file : files) {
      String text =
          YamlInput.read(
              file,
              YamlInput.FILE_LIMIT,
              (line, column, problem) ->
                  new SandboxException(file + ": " + problem + " (monitoring.rules)"));
      int index = 0;
      for (Object document :
          new Load(YamlInput.settings(file.toString(), text, false)).loadAllFromString(text)) {
        if (!(document instanceof Map<?, ?> map)) {
          continue;
        }
        Object groups = map.get("groups");
        if ("PrometheusRule".equals(map.get("kind")) && map.get("spec") instanceof Map<?, ?> spec) {
          groups = spec.get("groups");
        }
        if (groups == null) {
          throw new SandboxException(
              file
                  + ", document "
                  + (index + 1)
                  + ": neither a rule file (groups:) nor a PrometheusRule (spec.groups). Fix monitoring.rules.");
        }
        String key =
            file.getFileName().toString().replaceAll("\\.ya?ml$", "") + "-" + index++ + ".yaml";
        data.put(
            key, new Dump(DumpSettings.builder().build()).dumpToString(Map.of("groups", groups)));
      }
    }
    return data;
  }

  private static String resource() {
    String name = "dev/sandbox/stacks/packs/monitoring.yaml";
    try (InputStream in = MonitoringPack.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new SandboxException(
            "The monitoring pack " + name + " is missing from the classpath.");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SandboxException("Cannot read the monitoring pack: " + e.getMessage(), e);
    }
  }

  private static String hash(String text) {
    return ShortHash.of(text);
  }
}
