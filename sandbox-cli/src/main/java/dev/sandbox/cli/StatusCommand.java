package dev.sandbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandbox.SandboxStatus;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Show the sandbox's components (containers, ports) and workloads (ready/desired, restarts).",
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox status",
      "  sandbox status --json | jq '.workloads[] | select(.ready < .desired)'"
    })
final class StatusCommand extends SandboxSubcommand {

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Environment env = environment();
    SandboxStatus status = env.engine().status(env.name(global));
    PrintWriter out = out();
    if (json) {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(JsonShapes.status(status)));
      return status.running() ? ExitCode.OK.code() : ExitCode.NOT_READY.code();
    }
    out.println(
        "Sandbox '" + status.name() + "': " + (status.running() ? "running" : "NOT running"));
    out.println();
    out.printf("%-12s %-10s %-40s %s%n", "COMPONENT", "STATE", "IMAGE", "PORTS (127.0.0.1)");
    for (SandboxStatus.Component c : status.components()) {
      StringBuilder ports = new StringBuilder();
      c.ports()
          .forEach((inside, host) -> ports.append(host).append("->").append(inside).append(' '));
      out.printf(
          "%-12s %-10s %-40s %s%n", c.name(), c.state(), c.image(), ports.toString().strip());
    }
    out.println();
    if (status.clusterError() != null) {
      out.println("Workloads: unavailable (" + status.clusterError() + ")");
    } else if (status.workloads().isEmpty()) {
      out.println("Workloads: none applied.");
    } else {
      out.printf("%-12s %-20s %-32s %-8s %s%n", "KIND", "NAMESPACE", "NAME", "READY", "RESTARTS");
      for (SandboxStatus.Workload w : status.workloads()) {
        out.printf(
            "%-12s %-20s %-32s %-8s %d%n",
            w.kind(), w.namespace(), w.name(), w.ready() + "/" + w.desired(), w.restarts());
      }
    }
    if (!status.entrypoints().isEmpty()) {
      out.println();
      out.printf("%-12s %-36s %-28s %s%n", "FROM HOST", "OBJECT", "ROUTE", "REACH IT WITH");
      for (SandboxStatus.Entrypoint e : status.entrypoints()) {
        out.printf(
            "%-12s %-36s %-28s %s%n",
            e.kind(), e.namespace() + "/" + e.name(), e.route(), e.reach());
      }
    }
    if (!status.alerts().isEmpty()) {
      out.println();
      out.printf("%-32s %-10s %s%n", "ALERT", "STATE", "LABELS");
      for (var alert : status.alerts()) {
        out.printf("%-32s %-10s %s%n", alert.name(), alert.state(), alert.labels());
      }
    }
    if (!status.findings().isEmpty()) {
      out.println();
      out.println("Findings:");
      status.findings().forEach(finding -> out.println("  " + finding));
    }
    return status.running() ? ExitCode.OK.code() : ExitCode.NOT_READY.code();
  }
}
