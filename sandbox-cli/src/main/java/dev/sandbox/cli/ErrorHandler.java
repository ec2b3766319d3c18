package dev.sandbox.cli;

import dev.sandbox.SandboxException;
import dev.sandbox.StackFileException;
import picocli.CommandLine;

/** The one place that maps exceptions to exit codes and messages. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

  static ExitCode codeFor(Throwable error) {
    if (error instanceof SandboxException.DockerUnavailable
        || error instanceof SandboxException.ServiceStartup
        || error instanceof SandboxException.ImageUnavailable) {
      return ExitCode.NOT_READY;
    }
    if (error instanceof SandboxException.InvalidName) {
      return ExitCode.USAGE;
    }
    if (error instanceof SandboxException.NotFound) {
      return ExitCode.NOT_FOUND;
    }
    return ExitCode.FAILURE;
  }

  @Override
  public int handleExecutionException(
      Exception error, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    boolean verbose =
        parseResult.hasMatchedOption("--verbose")
            || parseResult.subcommands().stream()
                .anyMatch(sub -> sub.hasMatchedOption("--verbose"));
    var err = commandLine.getErr();
    var scheme = commandLine.getColorScheme();
    String prefix = scheme.errorText("error: ").toString();
    if (error instanceof StackFileException || error instanceof SandboxException) {
      err.println(prefix + error.getMessage());
    } else {
      err.println(prefix + error.getClass().getSimpleName() + ": " + error.getMessage());
    }
    if (verbose) {
      error.printStackTrace(err);
    } else if (!(error instanceof SandboxException)) {
      err.println("Run again with --verbose for the stack trace.");
    }
    err.flush();
    return codeFor(error).code();
  }
}
