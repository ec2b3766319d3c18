package dev.sandbox.cli;

import dev.sandbox.SandboxEngine;
import dev.sandbox.stack.StackLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the sandbox version and the default component versions.",
    footerHeading = "%nExamples:%n",
    footer = {"  sandbox version", "  sandbox --version"})
final class VersionCommand implements Callable<Integer> {

  @ParentCommand SandboxCommand parent;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    for (String line : new Provider().getVersion()) {
      spec.commandLine().getOut().println(line);
    }
    return ExitCode.OK.code();
  }

  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      var stack = StackLoader.embeddedDefault();
      return new String[] {
        "sandbox " + SandboxEngine.VERSION,
        "  java " + System.getProperty("java.version"),
        "  default images: " + String.join(", ", stack.officialImages())
      };
    }
  }
}
