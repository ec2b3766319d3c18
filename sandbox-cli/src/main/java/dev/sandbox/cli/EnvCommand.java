package dev.sandbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandbox.Sandbox;
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
      "the AMQP URL and, with the monitoring pack on, the Prometheus URL. They contain the generated",
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
    return vars;
  }

  @Override
  public Integer call() throws Exception {
    Environment env = environment();
    PrintWriter out = out();
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      Map<String, String> vars = variables(sandbox);
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
