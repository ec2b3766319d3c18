package dev.sandbox.cli;

import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Options every command shares: stack selection and verbosity. */
final class GlobalOptions {

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description =
          "Stack file. Default: ./sandbox.yaml if present, else the embedded default stack.")
  Path file;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Sandbox name. Default: the stack's name (the embedded default is 'sandbox').")
  String name;

  @Option(
      names = "--context",
      paramLabel = "CONTEXT",
      description =
          "Run on the cluster of this kubeconfig context, in namespaces of the sandbox's own,"
              + " instead of the local k3s container. Default: SANDBOX_CONTEXT, else the stack's"
              + " target.context.")
  String context;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Verbosity verbosity = new Verbosity();

  static final class Verbosity {
    @Option(
        names = {"-v", "--verbose"},
        description = "Show each step, debug logs, and stack traces of errors.")
    boolean verbose;

    @Option(
        names = {"-q", "--quiet"},
        description = "Print only results and errors.")
    boolean quiet;
  }

  boolean verbose() {
    return verbosity != null && verbosity.verbose;
  }

  boolean quiet() {
    return verbosity != null && verbosity.quiet;
  }
}
