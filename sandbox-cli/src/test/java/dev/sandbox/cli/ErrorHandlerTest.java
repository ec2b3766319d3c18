package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.SocketException;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ErrorHandlerTest {

  @CommandLine.Command(name = "talks-to-k3s")
  static final class DeadNode implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new KubernetesClientException(
          "Operation: [list] for kind: [Pod] with name: [null] in namespace: [null] failed.",
          new SocketException("Connection reset by peer"));
    }
  }

  @Test
  void a_dead_node_under_a_command_is_named_with_exit_3_and_no_client_exception() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new DeadNode());
    cli.setErr(new PrintWriter(err, true));
    cli.setExecutionExceptionHandler(new ErrorHandler());

    int code = cli.execute();

    assertThat(code).isEqualTo(ExitCode.NOT_READY.code());
    assertThat(err.toString())
        .contains("the sandbox's Kubernetes API (its k3s container) did not answer")
        .contains("Connection reset by peer")
        .contains("sandbox status")
        .doesNotContain("KubernetesClientException", "--verbose", "\tat ");
  }
}
