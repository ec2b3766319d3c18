package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "port-forward",
    mixinStandardHelpOptions = true,
    description = "Forward a local port on 127.0.0.1 to a Service of the sandbox until Ctrl-C.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox port-forward orders-service 8080 -n orders",
      "  sandbox port-forward web 80 --local-port 8080"
    })
final class PortForwardCommand implements Callable<Integer> {

  @ParentCommand SandboxCommand parent;
  @Mixin GlobalOptions global;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SERVICE")
  String service;

  @Parameters(index = "1", paramLabel = "PORT")
  int port;

  @Option(
      names = {"-n", "--namespace"},
      defaultValue = "default",
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--local-port",
      defaultValue = "0",
      description = "Local port; 0 picks a free one.")
  int localPort;

  @Override
  public Integer call() throws Exception {
    Environment env = parent.environment;
    PrintWriter out = spec.commandLine().getOut();
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      try (var forward = sandbox.portForward(namespace, service, port, localPort)) {
        out.println(
            "Forwarding http://127.0.0.1:"
                + forward.getLocalPort()
                + " -> "
                + namespace
                + "/"
                + service
                + ":"
                + port
                + " (Ctrl-C to stop)");
        out.flush();
        new CountDownLatch(1).await();
      }
    }
    return ExitCode.OK.code();
  }
}
