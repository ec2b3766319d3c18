package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.poll.Poll;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic in from the host, as production has it: k3s's Traefik routes an Ingress with two hosts
 * and a Gateway API HTTPRoute from 127.0.0.1, and a LoadBalancer Service answers on its loopback
 * address — with every policy pack on, so the production NetworkPolicy that lets the ingress
 * controller in is what makes it work. Requests go to loopback only, a bounded number of times.
 */
@RequiresDocker
class IngressIT {

  private static final String POD =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: NAME, namespace: web, labels: {app.kubernetes.io/name: NAME}}
      spec:
        selector: {matchLabels: {app: NAME}}
        template:
          metadata: {labels: {app: NAME}}
          spec:
            securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: web
                image: alpine:3.17
                imagePullPolicy: IfNotPresent
                command: [sh, -c, "mkdir -p /tmp/www && echo NAME > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
                ports: [{name: http, containerPort: 8080}]
                securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
                readinessProbe: {tcpSocket: {port: 8080}}
                livenessProbe: {tcpSocket: {port: 8080}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: NAME, namespace: web}
      spec:
        selector: {app: NAME}
        ports: [{name: http, port: 80, targetPort: http}]
      """;

  private static final String ROUTES =
      """
      apiVersion: v1
      kind: Namespace
      metadata: {name: web}
      ---
      # production's rule: only the ingress controller may call the web pods
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-ingress, namespace: web}
      spec:
        podSelector: {}
        policyTypes: [Ingress]
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                podSelector: {matchLabels: {app.kubernetes.io/name: traefik}}
            ports: [{port: 8080}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: web, namespace: web}
      spec:
        rules:
          - host: shop.example.test
            http:
              paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]
          - host: admin.example.test
            http:
              paths: [{path: /, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: api, namespace: web}
      spec:
        parentRefs: [{name: traefik-gateway, namespace: kube-system}]
        hostnames: [api.example.test]
        rules:
          - backendRefs: [{name: admin, port: 80}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: shop-lb, namespace: web}
      spec:
        type: LoadBalancer
        selector: {app: shop}
        ports: [{name: http, port: 8081, targetPort: http}]
      ---
      # also reachable from outside the cluster: the LoadBalancer's traffic comes from the node
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: shop-from-anywhere, namespace: web}
      spec:
        podSelector: {matchLabels: {app: shop}}
        policyTypes: [Ingress]
        ingress: [{ports: [{port: 8080}]}]
      """;

  @TempDir Path dir;

  @Test
  @DisplayName(
      "an Ingress routes two hosts, an HTTPRoute a third, and a LoadBalancer answers on loopback")
  void traffic_reaches_the_slice_from_the_host() throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(
        dir.resolve("k8s/web.yaml"),
        ROUTES + "---\n" + POD.replace("NAME", "shop") + "---\n" + POD.replace("NAME", "admin"));
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
                version: 1
                name: it-ingress
                k3s: {load-balancer-ports: [8081]}
                manifests: {paths: [k8s]}
                services:
                  postgres: {enabled: false}
                  rabbitmq: {enabled: false}
                monitoring: {enabled: false}
                readiness: {timeout: 3m}
                """));
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      InetSocketAddress ingress = sandbox.ingressAddress();
      assertThat(ingress.getHostString()).isEqualTo("127.0.0.1");
      HttpClient http = sandbox.ingressClient();
      // Traefik picks the routes up within seconds of its start; poll, bounded
      assertThat(get(http, sandbox.ingressUrl("shop.example.test", "/"))).isEqualTo("shop");
      assertThat(get(http, sandbox.ingressUrl("admin.example.test", "/index.html")))
          .isEqualTo("admin");
      assertThat(get(http, sandbox.ingressUrl("api.example.test", "/"))).isEqualTo("admin");
      // a host no rule names is not routed
      HttpResponse<String> unknown =
          http.send(
              HttpRequest.newBuilder(sandbox.ingressUrl("nobody.example.test", "/"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(unknown.statusCode()).isEqualTo(404);
      // the same with a plain Host header on the loopback address, as curl -H would send it
      assertThat(rawGet(ingress, "admin.example.test")).contains("200 OK").endsWith("admin\n");

      InetSocketAddress lb = sandbox.loadBalancerAddress("web", "shop-lb", 8081);
      assertThat(lb.getHostString()).isEqualTo("127.0.0.1");
      assertThat(
              get(HttpClient.newHttpClient(), URI.create("http://127.0.0.1:" + lb.getPort() + "/")))
          .isEqualTo("shop");
      var service = sandbox.client().services().inNamespace("web").withName("shop-lb").get();
      assertThat(service.getStatus().getLoadBalancer().getIngress()).hasSize(1);

      // status lists every way in, with the address it answers on
      assertThat(sandbox.entrypoints())
          .extracting(SandboxStatus.Entrypoint::kind, SandboxStatus.Entrypoint::route)
          .contains(
              org.assertj.core.groups.Tuple.tuple("Ingress", "shop.example.test/"),
              org.assertj.core.groups.Tuple.tuple("Ingress", "admin.example.test/"),
              org.assertj.core.groups.Tuple.tuple("HTTPRoute", "api.example.test/"),
              org.assertj.core.groups.Tuple.tuple("LoadBalancer", "8081/TCP"));
      // a port nobody published says how to publish it
      assertThatThrownBy(() -> sandbox.loadBalancerAddress("web", "shop", 80))
          .isInstanceOf(SandboxException.class)
          .hasMessageContaining("not LoadBalancer");
    } finally {
      engine.down("it-ingress", false, ProgressListener.NONE);
    }
  }

  /**
   * GETs {@code url}, retrying (at most 60 s) while the route is not there yet; the body, trimmed.
   */
  private static String get(HttpClient http, URI url) {
    return Poll.until(
        "GET " + url,
        Duration.ofSeconds(60),
        Duration.ofSeconds(1),
        seen -> {
          try {
            HttpResponse<String> response =
                http.send(
                    HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            seen.is(response.statusCode() + " " + response.body().strip());
            return response.statusCode() == 200 ? response.body().strip() : null;
          } catch (IOException e) {
            seen.is(e.toString());
            return null;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        },
        last ->
            new IllegalStateException("GET " + url + " did not answer 200 within 60 s: " + last));
  }

  private static String rawGet(InetSocketAddress address, String host) throws IOException {
    try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
