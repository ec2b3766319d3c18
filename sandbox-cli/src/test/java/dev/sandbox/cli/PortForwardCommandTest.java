package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.SandboxException;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortForwardCommandTest {

  static ServicePort port(String name, String appProtocol, int port) {
    return new ServicePortBuilder()
        .withName(name)
        .withAppProtocol(appProtocol)
        .withPort(port)
        .build();
  }

  @ParameterizedTest(name = "port {2} named {0} (appProtocol {1}) prints {3}")
  @CsvSource(
      nullValues = "-",
      value = {
        "http, -, 3000, http://127.0.0.1:4000",
        "http-api, -, 3000, http://127.0.0.1:4000",
        "https, -, 3000, https://127.0.0.1:4000",
        "web, http, 3000, http://127.0.0.1:4000",
        "-, -, 80, http://127.0.0.1:4000",
        "-, -, 8080, http://127.0.0.1:4000",
        "-, -, 443, https://127.0.0.1:4000",
        "postgres, -, 5432, 127.0.0.1:4000",
        "amqp, -, 5672, 127.0.0.1:4000",
        "httpish, -, 9000, 127.0.0.1:4000",
        "grpc, -, 8080, 127.0.0.1:4000",
        "-, https, 9443, https://127.0.0.1:4000",
      })
  @DisplayName("a URL only for ports that speak HTTP, else host:port")
  void prints_a_url_only_for_http_ports(String name, String appProtocol, int port, String shown) {
    assertThat(PortForwardCommand.address(port(name, appProtocol, port), 4000)).isEqualTo(shown);
  }

  @Test
  @DisplayName("a missing Service or port is a plain failure (exit 1), not 'no sandbox' (exit 4)")
  void a_missing_service_or_port_exits_1() {
    assertThat(ErrorHandler.codeFor(new SandboxException("Service default/web has no port 81")))
        .isEqualTo(ExitCode.FAILURE);
    assertThat(ErrorHandler.codeFor(new SandboxException.NotFound("no sandbox")))
        .isEqualTo(ExitCode.NOT_FOUND);
  }
}
