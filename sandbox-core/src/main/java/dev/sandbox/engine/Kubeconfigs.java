package dev.sandbox.engine;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** The node's kubeconfig renamed for this sandbox, the way kind and k3d name theirs. Internal. */
public final class Kubeconfigs {

  private Kubeconfigs() {}

  /**
   * Cluster, user and context all named {@code sandbox-<name>}, the server on 127.0.0.1 and the
   * published port, and {@code default} as the context's namespace, like kubectl.
   */
  public static String forSandbox(String yaml, String name, int port) {
    @SuppressWarnings("unchecked")
    Map<String, Object> config =
        (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
    String context = "sandbox-" + name;
    rename(
        config, "clusters", context, "cluster", c -> c.put("server", "https://127.0.0.1:" + port));
    rename(config, "users", context, "user", u -> {});
    rename(
        config,
        "contexts",
        context,
        "context",
        c -> {
          c.put("cluster", context);
          c.put("user", context);
          c.putIfAbsent("namespace", "default");
        });
    config.put("current-context", context);
    return new Dump(DumpSettings.builder().build()).dumpToString(config);
  }

  @SuppressWarnings("unchecked")
  private static void rename(
      Map<String, Object> config,
      String section,
      String name,
      String inner,
      Consumer<Map<String, Object>> edit) {
    for (Object item : (List<Object>) config.get(section)) {
      Map<String, Object> entry = (Map<String, Object>) item;
      entry.put("name", name);
      edit.accept((Map<String, Object>) entry.get(inner));
    }
  }
}
