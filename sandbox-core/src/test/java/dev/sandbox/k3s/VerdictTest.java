package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VerdictTest {

  private static Manifest deployment() {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion("apps/v1");
    resource.setKind("Deployment");
    resource.setMetadata(new ObjectMetaBuilder().withName("orders").build());
    return new Manifest("k8s/app.yaml", 0, resource);
  }

  @Test
  @DisplayName("a Warning header's quoted text is unquoted and unescaped")
  void warning_header_text() {
    assertThat(ApiWarnings.text("299 - \"would violate PodSecurity \\\"restricted:latest\\\": x\""))
        .isEqualTo("would violate PodSecurity \"restricted:latest\": x");
    assertThat(ApiWarnings.text("not the RFC shape")).isEqualTo("not the RFC shape");
  }

  @Test
  @DisplayName("a policy's warning names the policy; an auditing binding makes it an audit verdict")
  void policy_warnings_become_verdicts() {
    String warning =
        "Validation failed for ValidatingAdmissionPolicy 'sandbox-probes' with binding"
            + " 'sandbox-probes': every container needs a livenessProbe";
    assertThat(Verdict.of(deployment(), warning, binding -> false).line())
        .isEqualTo(
            "warn sandbox-probes: deployment/orders (k8s/app.yaml): every container needs a"
                + " livenessProbe");
    assertThat(Verdict.of(deployment(), warning, "sandbox-probes"::equals).action())
        .isEqualTo("audit");
    Verdict psa =
        Verdict.of(
            deployment(),
            "would violate PodSecurity \"restricted:latest\": runAsNonRoot != true",
            binding -> false);
    assertThat(psa.policy()).isEqualTo("PodSecurity restricted:latest");
    assertThat(psa.message()).isEqualTo("runAsNonRoot != true");
  }
}
