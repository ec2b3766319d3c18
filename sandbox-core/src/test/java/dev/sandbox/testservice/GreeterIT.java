package dev.sandbox.testservice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.ServiceEndpoint;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test-only greeter end to end: registered from the test classpath only, it is started,
 * published on 127.0.0.1, wired into the cluster under its production names and handed to the host
 * — by the same engine code that runs PostgreSQL and RabbitMQ, which never names any of them.
 */
@RequiresDocker
class GreeterIT {

  @TempDir Path dir;

  @Test
  @DisplayName("a service from the test classpath runs, is wired into the cluster and reachable")
  void a_third_service_plugs_in_end_to_end() throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(
        dir.resolve("k8s/job.yaml"),
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: greet}
        spec:
          backoffLimit: 3
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: wget
                  image: alpine:3.17
                  imagePullPolicy: IfNotPresent
                  command: [sh, -c]
                  # the production names: the Service greeter-svc and the Secret's keys
                  args: ['test "$(wget -qO- "$GREETER_URL")" = "hola $GREETER_TOKEN"']
                  env:
                    - name: GREETER_URL
                      valueFrom: {secretKeyRef: {name: greeter-prod, key: URL}}
                    - name: GREETER_TOKEN
                      valueFrom: {secretKeyRef: {name: greeter-prod, key: TOKEN}}
        """);
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
                version: 1
                name: it-greeter
                manifests: {paths: [k8s]}
                services:
                  postgres: {enabled: false}
                  rabbitmq: {enabled: false}
                  greeter:
                    enabled: true
                    greeting: hola
                    service-name: greeter-svc
                    secret: {name: greeter-prod, keys: {url: URL, token: TOKEN}}
                policies: {packs: []}
                monitoring: {enabled: false}
                readiness: {timeout: 2m}
                """));
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      GreeterEndpoint greeter = sandbox.endpoint(GreeterEndpoint.class).orElseThrow();
      assertThat(greeter.url()).startsWith("http://127.0.0.1:");
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(greeter.url()))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.body().trim()).isEqualTo("hola " + greeter.token());

      assertThat(sandbox.services()).extracting(ServiceEndpoint::id).containsExactly("greeter");
      assertThat(sandbox.services().get(0).environment())
          .containsEntry("GREETER_URL", greeter.url());
      // the in-cluster check: the Job read the wired Secret and reached the wired Service
      var job = sandbox.client().batch().v1().jobs().inNamespace("default").withName("greet").get();
      assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    } finally {
      engine.down("it-greeter", false, ProgressListener.NONE);
    }
  }
}
