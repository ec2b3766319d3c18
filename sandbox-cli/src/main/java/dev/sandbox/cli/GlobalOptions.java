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
