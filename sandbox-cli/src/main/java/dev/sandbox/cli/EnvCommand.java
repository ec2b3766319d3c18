package dev.sandbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxStatus;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {
      "Print shell `export` lines to reach the sandbox: KUBECONFIG, the PostgreSQL JDBC/URL",
      "the AMQP URL, with the monitoring pack on the Prometheus URL, the ingress controller's URL",
      "(SANDBOX_INGRESS_URL) and LoadBalancer Services' addresses (SANDBOX_LB_<NS>_<NAME>_<PORT>).",
      "They contain the generated",
      "passwords: this command is how you ask for them."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  eval \"$(sandbox env)\" && psql \"$DATABASE_URL\"", "  sandbox env --json"})
final class EnvCommand extends SandboxSubcommand {

  @Option(names = "--json", description = "Print a JSON object instead of export lines.")
  boolean json;

  static Map<String, String> variables(Sandbox sandbox) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("KUBECONFIG", sandbox.kubeconfigPath().toString());
    vars.put("SANDBOX_NAME", sandbox.name());
    sandbox.services().forEach(service -> vars.putAll(service.environment()));
    sandbox.prometheusUrl().ifPresent(url -> vars.put("PROMETHEUS_URL", url));
    try {
      var ingress = sandbox.ingressAddress();
      vars.put(
          "SANDBOX_INGRESS_URL", "http://" + ingress.getHostString() + ":" + ingress.getPort());
    } catch (dev.sandbox.SandboxException noIngress) {
      // k3s.ingress: none
    }
    for (SandboxStatus.Entrypoint entry : sandbox.entrypoints()) {
      if (entry.address() != null && entry.kind().equals("LoadBalancer")) {
        // SANDBOX_LB_<NAMESPACE>_<SERVICE>_<PORT>=127.0.0.1:<host port>
        String port = entry.route().substring(0, entry.route().indexOf('/'));
        vars.put(
            ("SANDBOX_LB_" + entry.namespace() + "_" + entry.name() + "_" + port)
                .toUpperCase(java.util.Locale.ROOT)
                .replaceAll("[^A-Z0-9_]", "_"),
            entry.address());
      }
    }
    return vars;
  }

  @Override
  public Integer call() throws Exception {
    Environment env = environment();
    PrintWriter out = out();
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      Map<String, String> vars = variables(sandbox);
      if (sandbox.onSharedCluster() && !global.quiet()) {
        spec.commandLine()
            .getErr()
            .println(
                "# the services answer on these 127.0.0.1 ports while `sandbox port-forward"
                    + " --services` runs");
        spec.commandLine().getErr().flush();
      }
      if (json) {
        out.println(
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(vars));
      } else {
        vars.forEach(
            (key, value) ->
                out.println("export " + key + "='" + value.replace("'", "'\\''") + "'"));
      }
    }
    return ExitCode.OK.code();
  }
}
