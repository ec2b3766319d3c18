package dev.sandbox.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top command; {@code sandbox} alone prints help. */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = {
      "A production-like slice of your stack on this machine: k3s, PostgreSQL, RabbitMQ,",
      "the platform's policies and monitoring, with your production Kubernetes YAML applied unchanged.",
      ""
    },
    subcommands = {
      UpCommand.class,
      DownCommand.class,
      StatusCommand.class,
      EnvCommand.class,
      KubeconfigCommand.class,
      ApplyCommand.class,
      LoadCommand.class,
      LogsCommand.class,
      PortForwardCommand.class,
      CanICommand.class,
      ExecCommand.class,
      DoctorCommand.class,
      GcCommand.class,
      VersionCommand.class,
      picocli.AutoComplete.GenerateCompletion.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox up                     start the stack of ./sandbox.yaml (or the embedded default)",
      "  sandbox up -f ci/sandbox.yaml  start another stack file",
      "  eval \"$(sandbox env)\"          export KUBECONFIG, DATABASE_URL, AMQP_URL into this shell",
      "  sandbox status --json          machine-readable status",
      "  sandbox down                   remove containers, network and data volumes",
      "",
      "Exit codes:",
      "%s"
    })
final class SandboxCommand implements Runnable {

  final Environment environment;

  @Spec CommandSpec spec;

  SandboxCommand(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing command: try `sandbox up`, or `sandbox --help`.");
  }
}
