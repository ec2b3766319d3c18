package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "port-forward",
    mixinStandardHelpOptions = true,
    description = {
      "Forward a local port on 127.0.0.1 to a Service of the sandbox until Ctrl-C.",
      "With --services: forward every backing service (PostgreSQL, RabbitMQ) of a sandbox on a",
      "shared cluster to the ports `sandbox env` prints."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox port-forward orders-service 8080 -n orders",
      "  sandbox port-forward --services --context shared",
      "  sandbox port-forward web 80 --local-port 8080"
    })
final class PortForwardCommand extends SandboxSubcommand {

  @Parameters(index = "0", paramLabel = "SERVICE", arity = "0..1")
  String service;

  @Parameters(index = "1", paramLabel = "PORT", arity = "0..1")
  Integer port;

  @Option(
      names = "--services",
      description =
          "Forward the backing services of a sandbox on a shared cluster (the handle's own"
              + " forwards) until Ctrl-C.")
  boolean services;

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
    Environment env = environment();
    PrintWriter out = out();
    if (services) {
      try (Sandbox sandbox = env.engine().attach(env.name(global))) {
        sandbox
            .services()
            .forEach(svc -> out.println("Forwarding " + svc.id() + ": " + svc.summary()));
        out.println("(Ctrl-C to stop)");
        out.flush();
        new CountDownLatch(1).await();
      }
      return ExitCode.OK.code();
    }
    if (service == null || port == null) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "Give SERVICE and PORT, or --services.");
    }
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      try (var forward = sandbox.portForward(namespace, service, port, localPort)) {
        ServicePort servicePort =
            sandbox
                .client()
                .services()
                .inNamespace(namespace)
                .withName(service)
                .get()
                .getSpec()
                .getPorts()
                .stream()
                .filter(p -> p.getPort() == port)
                .findFirst()
                .orElseThrow();
        out.println(
            "Forwarding "
                + address(servicePort, forward.getLocalPort())
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

  /**
   * What to print for the local end: a URL only when the Service port says it speaks HTTP(S) — its
   * name is {@code http}/{@code https} or starts with {@code http-}/{@code https-} (the Istio
   * naming convention), its {@code appProtocol} is {@code http}/{@code https}, or it is 80/8080
   * (http) or 443/8443 (https) — else {@code 127.0.0.1:PORT}, as for PostgreSQL or AMQP.
   */
  static String address(ServicePort servicePort, int localPort) {
    String hostPort = "127.0.0.1:" + localPort;
    String protocol = protocol(servicePort.getName());
    if (protocol == null) {
      protocol = protocol(servicePort.getAppProtocol());
    }
    boolean unnamed = servicePort.getName() == null || servicePort.getName().isEmpty();
    if (protocol == null && unnamed) {
      protocol =
          switch (servicePort.getPort()) {
            case 80, 8080 -> "http";
            case 443, 8443 -> "https";
            default -> null;
          };
    }
    return protocol == null ? hostPort : protocol + "://" + hostPort;
  }

  private static String protocol(String name) {
    if (name == null) {
      return null;
    }
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    for (String protocol : new String[] {"https", "http"}) {
      if (lower.equals(protocol) || lower.startsWith(protocol + "-")) {
        return protocol;
      }
    }
    return null;
  }
}
