package dev.sandbox.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Entry point of the {@code sandbox} command. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    Logging.configure(args);
    PrintWriter out =
        new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err =
        new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    System.exit(Cli.create(Environment.system(), out, err).execute(args));
  }
}
