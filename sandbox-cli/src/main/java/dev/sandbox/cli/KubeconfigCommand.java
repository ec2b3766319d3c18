package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "kubeconfig",
    mixinStandardHelpOptions = true,
    description = {
      "Print the sandbox's kubeconfig (it holds a client key), or merge it into ~/.kube/config",
      "as context sandbox-<name>; `sandbox down` removes the merged context again."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox kubeconfig > /tmp/kc && KUBECONFIG=/tmp/kc kubectl get pods -A",
      "  sandbox kubeconfig --merge && kubectl --context sandbox-sandbox get nodes"
    })
final class KubeconfigCommand extends SandboxSubcommand {

  @Option(
      names = "--merge",
      description =
          "Merge into the kubeconfig (the first file of KUBECONFIG, else ~/.kube/config) and switch to it.")
  boolean merge;

  @Override
  public Integer call() {
    Environment env = environment();
    PrintWriter out = out();
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      if (merge && sandbox.onSharedCluster()) {
        throw new dev.sandbox.SandboxException(
            "Sandbox '"
                + sandbox.name()
                + "' runs on a shared cluster whose context your kubeconfig has already: use it"
                + " with the sandbox's namespaces (`sandbox status` lists them), or"
                + " KUBECONFIG="
                + sandbox.kubeconfigPath()
                + " (its context's namespace is the sandbox's services namespace).");
      }
      if (merge) {
        KubeContexts.merge(env.env(), env.home(), sandbox.name(), sandbox.kubeconfig());
        if (!global.quiet()) {
          out.println(
              "Merged context sandbox-"
                  + sandbox.name()
                  + " into "
                  + KubeContexts.file(env.env(), env.home())
                  + " and made it current.");
        }
      } else {
        out.print(sandbox.kubeconfig());
      }
    }
    return ExitCode.OK.code();
  }
}
