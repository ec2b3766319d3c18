package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import java.io.PrintWriter;

/**
 * The short summary after {@code up}: context, connection strings (no passwords), where to look
 * next.
 */
final class Summary {

  private Summary() {}

  static void print(PrintWriter out, Sandbox sandbox, boolean quiet) {
    if (quiet) {
      out.println(sandbox.kubeconfigPath());
      return;
    }
    out.println();
    out.println("Sandbox '" + sandbox.name() + "' is ready.");
    if (sandbox.onSharedCluster()) {
      var target = sandbox.state().services().get("cluster-target");
      out.println(
          "  cluster      context "
              + target.get("context")
              + ", namespaces "
              + target.get("namespaces").replace(",", ", "));
      out.println("  kubeconfig   " + sandbox.kubeconfigPath());
      sandbox
          .services()
          .forEach(
              service -> out.println(String.format("  %-12s %s", service.id(), service.summary())));
      out.println(
          "               (on 127.0.0.1 while `sandbox port-forward --services"
              + nameFlag(sandbox)
              + "` runs)");
      out.println();
      out.println("  sandbox status" + nameFlag(sandbox) + "            what runs");
      out.println("  sandbox down" + nameFlag(sandbox) + "              remove its namespaces");
      out.flush();
      return;
    }
    out.println(
        "  kubeconfig   "
            + sandbox.kubeconfigPath()
            + "  (context sandbox-"
            + sandbox.name()
            + ")");
    sandbox
        .services()
        .forEach(
            service -> out.println(String.format("  %-12s %s", service.id(), service.summary())));
    sandbox.prometheusUrl().ifPresent(url -> out.println("  prometheus   " + url));
    out.println();
    out.println(
        "  eval \"$(sandbox env"
            + nameFlag(sandbox)
            + ")\"   export KUBECONFIG and connection URLs (with passwords)");
    out.println("  sandbox status" + nameFlag(sandbox) + "            what runs");
    out.println("  sandbox down" + nameFlag(sandbox) + "              remove it");
    out.flush();
  }

  private static String nameFlag(Sandbox sandbox) {
    return sandbox.name().equals("sandbox") ? "" : " --name " + sandbox.name();
  }
}
