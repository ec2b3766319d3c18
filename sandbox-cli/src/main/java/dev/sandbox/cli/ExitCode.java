package dev.sandbox.cli;

/** The exit codes of {@code sandbox}, documented in {@code --help} and README. */
public enum ExitCode {
  OK(0, "success"),
  FAILURE(1, "the command failed (bad stack file, rejected manifest, ...)"),
  USAGE(2, "usage error: unknown command or option, bad argument"),
  NOT_READY(
      3, "the environment is not ready: no Docker engine, a service or workload not ready in time"),
  NOT_FOUND(4, "no sandbox of that name is running");

  final int code;
  final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  static String help() {
    StringBuilder text = new StringBuilder();
    for (ExitCode exit : values()) {
      text.append(String.format("  %d  %s%n", exit.code, exit.meaning));
    }
    return text.toString();
  }
}
