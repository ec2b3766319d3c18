package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "can-i",
    mixinStandardHelpOptions = true,
    description = {
      "Ask the sandbox's API server whether an identity may do something, as `kubectl auth can-i",
      "--as` does: prints yes (exit 0) or no (exit 1). For a ServiceAccount the question is asked",
      "with a real token of that account, so the answer is the one the application's own requests get."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox can-i list pods -n orders --as system:serviceaccount:orders:orders-service",
      "  sandbox can-i get secrets/orders-db-credentials -n orders --as system:serviceaccount:orders:default",
      "  sandbox can-i create deployments.apps -n orders --as jane"
    })
final class CanICommand extends SandboxSubcommand {

  @Parameters(
      index = "0",
      paramLabel = "VERB",
      description = "get, list, watch, create, update, patch, delete, ...")
  String verb;

  @Parameters(
      index = "1",
      paramLabel = "RESOURCE",
      description =
          "Plural resource, with .group and /subresource: pods, deployments.apps, pods/log.")
  String resource;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      description = "The namespace (default: cluster-wide).")
  String namespace;

  @Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "system:serviceaccount:<namespace>:<name>, or a user name.")
  String as;

  @Override
  public Integer call() {
    Environment env = environment();
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      boolean allowed = sandbox.canI(as, verb, resource, Optional.ofNullable(namespace));
      out().println(allowed ? "yes" : "no");
      return allowed ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }
  }
}
