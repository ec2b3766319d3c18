package dev.sandbox.cli;

import dev.sandbox.SandboxException;
import dev.sandbox.StackFileException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;

/** The one place that maps exceptions to exit codes and messages. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

  static ExitCode codeFor(Throwable error) {
    if (clusterUnreachable(error)) {
      return ExitCode.NOT_READY;
    }
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
    } else if (clusterUnreachable(error)) {
      // k3s died or is restarting under a command that talks to it: name the component, not the
      // HTTP client's exception
      err.println(
          prefix
              + "the sandbox's Kubernetes API (its k3s container) did not answer: "
              + SandboxException.describe(error)
              + ". Check `sandbox status`; `sandbox up` recreates a dead node, keeping the data.");
    } else {
      err.println(prefix + error.getClass().getSimpleName() + ": " + error.getMessage());
    }
    if (verbose) {
      error.printStackTrace(err);
    } else if (!(error instanceof SandboxException) && !clusterUnreachable(error)) {
      err.println("Run again with --verbose for the stack trace.");
    }
    err.flush();
    return codeFor(error).code();
  }

  /** A failure talking to the cluster's API: its client's exception, or a connection lost. */
  static boolean clusterUnreachable(Throwable error) {
    if (error instanceof SandboxException) {
      return false;
    }
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof KubernetesClientException
          || cause instanceof java.net.ConnectException
          || cause instanceof java.net.SocketException
          || cause instanceof java.io.EOFException) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }
}
