package dev.sandbox.cluster;

import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The kubeconfig of a cluster target: the one context the stack (or {@code --context}) names, cut
 * out of the user's kubeconfig files — KUBECONFIG's list, else {@code ~/.kube/config}, or the file
 * the stack names — with its cluster and user, file paths made absolute, and the sandbox's services
 * namespace as the context's namespace. The sandbox keeps it in its state folder (owner-only), so
 * later commands act on the same cluster whatever the current context is by then. Internal.
 */
public final class ClusterConnection {

  private ClusterConnection() {}

  /** The kubeconfig files consulted for a target, in order. */
  static List<Path> files(Stack.Target target) {
    if (target.kubeconfig().isPresent()) {
      return List.of(target.kubeconfig().get());
    }
    List<Path> files = new ArrayList<>();
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      for (String part : env.split(java.io.File.pathSeparator)) {
        if (!part.isBlank()) {
          files.add(Path.of(part));
        }
      }
    } else {
      files.add(Path.of(System.getProperty("user.home"), ".kube", "config"));
    }
    return files;
  }

  /** A kubeconfig holding only {@code target}'s context, namespace {@code namespace}. */
  @SuppressWarnings("unchecked")
  public static String kubeconfig(Stack.Target target, String namespace) {
    String context = target.context().orElseThrow();
    List<Path> files = files(target);
    List<String> known = new ArrayList<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      Map<String, Object> config;
      try {
        config =
            (Map<String, Object>)
                new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
      } catch (IOException | RuntimeException e) {
        throw new SandboxException(
            "The kubeconfig " + file + " cannot be read: " + e.getMessage() + ".", e);
      }
      if (config == null) {
        continue;
      }
      Map<String, Object> ctx = named(config, "contexts", context);
      named(config, "contexts", null, known);
      if (ctx == null) {
        continue;
      }
      Map<String, Object> inner = new LinkedHashMap<>((Map<String, Object>) ctx.get("context"));
      Map<String, Object> cluster = named(config, "clusters", (String) inner.get("cluster"));
      Map<String, Object> user = named(config, "users", (String) inner.get("user"));
      if (cluster == null) {
        throw new SandboxException(
            "Context '"
                + context
                + "' in "
                + file
                + " names cluster '"
                + inner.get("cluster")
                + "', which that file does not define. Fix the kubeconfig (kubectl config"
                + " get-clusters).");
      }
      inner.put("namespace", namespace);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("apiVersion", "v1");
      out.put("kind", "Config");
      out.put("clusters", List.of(absolute(cluster, file.toAbsolutePath().getParent())));
      out.put(
          "users",
          user == null ? List.of() : List.of(absolute(user, file.toAbsolutePath().getParent())));
      out.put("contexts", List.of(Map.of("name", context, "context", inner)));
      out.put("current-context", context);
      return new Dump(DumpSettings.builder().build()).dumpToString(out);
    }
    throw new SandboxException(
        "No kubeconfig context named '"
            + context
            + "' in "
            + files
            + (known.isEmpty() ? "" : " (its contexts: " + String.join(", ", known) + ")")
            + ". Name one of them with --context, SANDBOX_CONTEXT or target.context, or point"
            + " KUBECONFIG (or target.kubeconfig) at the file that holds it.");
  }

  /** A client of the cluster in {@code kubeconfigYaml}, checked to answer. */
  public static KubernetesClient client(String kubeconfigYaml, String context) {
    KubernetesClient client =
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
    try {
      client.getKubernetesVersion();
    } catch (RuntimeException e) {
      client.close();
      throw new SandboxException(
          "The cluster of context '"
              + context
              + "' ("
              + client.getConfiguration().getMasterUrl()
              + ") does not answer: "
              + SandboxException.describe(e)
              + ". Check that it is reachable (kubectl --context "
              + context
              + " version).",
          e);
    }
    return client;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> named(
      Map<String, Object> config, String section, String name) {
    return named(config, section, name, new ArrayList<>());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> named(
      Map<String, Object> config, String section, String name, List<String> names) {
    Object items = config.get(section);
    if (!(items instanceof List<?> list)) {
      return null;
    }
    for (Object item : list) {
      if (item instanceof Map<?, ?> entry) {
        names.add(String.valueOf(entry.get("name")));
        if (name != null && name.equals(entry.get("name"))) {
          return (Map<String, Object>) entry;
        }
      }
    }
    return null;
  }

  /** A copy of a cluster or user entry whose file paths are absolute (relative to its file). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> absolute(Map<String, Object> entry, Path dir) {
    Map<String, Object> copy = new LinkedHashMap<>(entry);
    for (String key : List.of("cluster", "user")) {
      if (copy.get(key) instanceof Map<?, ?> raw) {
        Map<String, Object> inner = new LinkedHashMap<>((Map<String, Object>) raw);
        for (String field :
            List.of("certificate-authority", "client-certificate", "client-key", "tokenFile")) {
          if (inner.get(field) instanceof String path && !Path.of(path).isAbsolute()) {
            inner.put(field, dir.resolve(path).normalize().toString());
          }
        }
        copy.put(key, inner);
      }
    }
    return copy;
  }
}
