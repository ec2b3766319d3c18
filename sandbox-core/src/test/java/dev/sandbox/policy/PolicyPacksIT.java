package dev.sandbox.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.SandboxException;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy packs on real k3s: what production rejects, the sandbox rejects. */
@RequiresDocker
class PolicyPacksIT {

  @TempDir Path dir;

  static final String COMPLIANT =
      """
      apiVersion: v1
      kind: Namespace
      metadata: {name: apps}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: good
        namespace: apps
        labels: {app.kubernetes.io/name: good}
      spec:
        selector: {matchLabels: {app: good}}
        template:
          metadata: {labels: {app: good}}
          spec:
            securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: web
                image: alpine:3.17
                imagePullPolicy: IfNotPresent
                command: [sh, -c, "mkdir -p /tmp/www && echo ok > /tmp/www/index.html && httpd -f -p 8080 -h /tmp/www"]
                securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
                readinessProbe: {tcpSocket: {port: 8080}}
                livenessProbe: {tcpSocket: {port: 8080}}
      """;

  private Sandbox up(String name, String extraYaml) throws IOException {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(dir.resolve("k8s/app.yaml"), COMPLIANT + extraYaml);
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
        version: 1
        name: %s
        manifests: {paths: [k8s]}
        services: {rabbitmq: {enabled: false}}
        monitoring: {enabled: false}
        readiness: {timeout: 2m}
        """
                    .formatted(name)));
    return engine().up(stack, UpOptions.defaults(), ProgressListener.NONE);
  }

  private SandboxEngine engine() {
    return new SandboxEngine(
        SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home"))),
        dir.resolve("state"));
  }

  @Test
  @DisplayName("guardrails deny untagged images and missing resources, listing every violation")
  void guardrails_list_every_violation() {
    try {
      assertThatThrownBy(
              () ->
                  up(
                      "it-guardrails",
                      """
          ---
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: latest-image, namespace: apps, labels: {app.kubernetes.io/name: latest-image}}
          spec:
            selector: {matchLabels: {app: latest-image}}
            template:
              metadata: {labels: {app: latest-image}}
              spec:
                containers:
                  - name: app
                    image: "registry.example/app:latest"
                    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
          ---
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: no-resources, namespace: apps, labels: {app.kubernetes.io/name: no-resources}}
          spec:
            selector: {matchLabels: {app: no-resources}}
            template:
              metadata: {labels: {app: no-resources}}
              spec:
                containers: [{name: app, image: "alpine:3.17"}]
          """))
          .isInstanceOfSatisfying(
              SandboxException.PolicyViolations.class,
              e -> {
                assertThat(e.violations())
                    .extracting(v -> v.policy() + " " + v.workload())
                    .containsExactlyInAnyOrder(
                        "sandbox-image-tag deployment/apps/latest-image",
                        "sandbox-resources deployment/apps/no-resources");
                assertThat(e.getMessage())
                    .startsWith("2 object(s) violate the sandbox's policies:")
                    .contains(
                        "every container needs resources.requests (cpu, memory) and resources.limits (memory)")
                    .contains("images must carry a tag other than :latest");
              });
    } finally {
      engine().down("it-guardrails", false, ProgressListener.NONE);
    }
  }

  @Test
  @DisplayName(
      "Pod Security restricted rejects a root pod with the API server's reason against the workload; default-deny holds")
  void pod_security_and_network_packs_are_enforced() throws IOException {
    try {
      assertThatThrownBy(
              () ->
                  up(
                      "it-psa",
                      """
          ---
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: rooty, namespace: apps, labels: {app.kubernetes.io/name: rooty}}
          spec:
            selector: {matchLabels: {app: rooty}}
            template:
              metadata: {labels: {app: rooty}}
              spec:
                containers:
                  - name: app
                    image: alpine:3.17
                    command: [sleep, "3600"]
                    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
                    readinessProbe: {exec: {command: ["true"]}}
                    livenessProbe: {exec: {command: ["true"]}}
          """))
          .isInstanceOf(SandboxException.ServiceStartup.class)
          .hasMessageContaining("deployment/apps/rooty")
          .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
    } finally {
      engine().down("it-psa", false, ProgressListener.NONE);
    }
  }

  @Test
  @DisplayName(
      "application namespaces get default-deny with DNS allowed, and the compliant app runs")
  void the_network_pack_is_installed_and_compliant_apps_run() throws IOException {
    try (Sandbox sandbox = up("it-network", "")) {
      var policies =
          sandbox.client().network().networkPolicies().inNamespace("apps").list().getItems();
      assertThat(policies)
          .extracting(p -> p.getMetadata().getName())
          .contains("sandbox-default-deny", "sandbox-allow-dns");
      assertThat(sandbox.client().namespaces().withName("apps").get().getMetadata().getLabels())
          .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
      assertThat(
              sandbox
                  .client()
                  .apps()
                  .deployments()
                  .inNamespace("apps")
                  .withName("good")
                  .get()
                  .getStatus()
                  .getReadyReplicas())
          .isEqualTo(1);
    } finally {
      engine().down("it-network", false, ProgressListener.NONE);
    }
  }
}
