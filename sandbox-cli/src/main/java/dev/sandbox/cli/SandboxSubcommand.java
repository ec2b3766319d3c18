package dev.sandbox.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every subcommand that acts on one sandbox has: the top command (and through it the resolved
 * {@link Environment}), the shared options ({@code --name}, {@code -f}, ...) and its own spec for
 * output. Picocli reads the annotated fields of superclasses, so each command declares only its own
 * options.
 */
abstract class SandboxSubcommand implements Callable<Integer> {

  @ParentCommand SandboxCommand parent;
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  Environment environment() {
    return parent.environment;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
