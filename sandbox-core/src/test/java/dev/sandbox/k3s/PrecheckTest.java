package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

class PrecheckTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Manifest manifest(int index, String yaml) {
    return new Manifest(
        "k8s/app.yaml",
        index,
        SERIALIZATION.convertValue(
            new Load(LoadSettings.builder().build()).loadFromString(yaml),
            GenericKubernetesResource.class));
  }

  static final Manifest CONFIG_MAP =
      manifest(0, "{apiVersion: v1, kind: ConfigMap, metadata: {name: settings}}");
  static final Manifest SERVICE =
      manifest(1, "{apiVersion: v1, kind: Service, metadata: {name: web, namespace: orders}}");
  static final Manifest CRD =
      manifest(
          2,
          """
          apiVersion: apiextensions.k8s.io/v1
          kind: CustomResourceDefinition
          metadata: {name: widgets.example.com}
          spec:
            group: example.com
            names: {plural: widgets, kind: Widget}
            versions:
              - {name: v1, served: true, storage: true}
              - {name: v1alpha1, served: false, storage: false}
          """);
  static final Manifest WIDGET =
      manifest(3, "{apiVersion: example.com/v1, kind: Widget, metadata: {name: w1}}");
  static final Manifest NAMESPACE =
      manifest(4, "{apiVersion: v1, kind: Namespace, metadata: {name: orders}}");

  @Nested
  @DisplayName("messages name file, 1-based document, object and the API server's reason")
  class Messages {

    @Test
    void an_unknown_kind_says_how_to_fix_it() {
      assertThat(Precheck.notServed(WIDGET))
          .isEqualTo(
              "k8s/app.yaml, document 4 (Widget/w1): kind Widget (example.com/v1) is not served by"
                  + " the cluster: install its CRD first (add it to manifests), or list it under"
                  + " manifests.exclude-kinds");
    }

    @Test
    void a_rejection_carries_the_status_message_not_the_request_url() {
      var error =
          new KubernetesClientException(
              "Failure executing: PATCH at: https://127.0.0.1:6443/api/v1/namespaces/orders/services/web?fieldManager=sandbox&dryRun=All."
                  + " Message: Service \"web\" is invalid: spec.ports[0].port: Invalid value: 70000",
              422,
              new StatusBuilder()
                  .withCode(422)
                  .withMessage(
                      "Service \"web\" is invalid: spec.ports[0].port: Invalid value: 70000: must"
                          + " be between 1 and 65535, inclusive")
                  .build());

      assertThat(Precheck.rejection(SERVICE, error))
          .isEqualTo(
              "k8s/app.yaml, document 2 (Service/orders/web) was rejected by the API server:"
                  + " Service \"web\" is invalid: spec.ports[0].port: Invalid value: 70000: must"
                  + " be between 1 and 65535, inclusive");
    }

    @Test
    void a_conflict_suggests_force_conflicts() {
      var error =
          new KubernetesClientException(
              new StatusBuilder()
                  .withCode(409)
                  .withMessage("Apply failed with 1 conflict")
                  .build());

      assertThat(Precheck.rejection(CONFIG_MAP, error))
          .endsWith("re-run with --force-conflicts to take them over.");
    }

    @Test
    void without_a_status_the_root_cause_is_the_reason() {
      var error =
          new KubernetesClientException(
              "An error has occurred.",
              new IOException(new ConnectException("Connection refused")));

      assertThat(Precheck.reason(error)).isEqualTo("ConnectException: Connection refused");
    }

    @Test
    void a_policy_denial_becomes_a_violation() {
      var error =
          new KubernetesClientException(
              new StatusBuilder()
                  .withCode(422)
                  .withMessage(
                      "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy"
                          + " 'sandbox-image-tag' with binding 'sandbox-image-tag' denied request:"
                          + " images must carry a tag other than :latest")
                  .build());

      assertThat(Precheck.denial(SERVICE, error))
          .hasValueSatisfying(
              v -> {
                assertThat(v.policy()).isEqualTo("sandbox-image-tag");
                assertThat(v.workload()).isEqualTo("service/orders/web");
                assertThat(v.message()).isEqualTo("images must carry a tag other than :latest");
              });
      assertThat(
              Precheck.denial(
                  SERVICE,
                  new KubernetesClientException(
                      new StatusBuilder().withCode(422).withMessage("invalid").build())))
          .isEmpty();
    }

    @Test
    void several_problems_are_listed_with_what_was_applied() {
      var findings = new Precheck.Findings(List.of("first", "second"), List.of(), List.of());

      assertThatThrownBy(() -> findings.throwIfAny("Nothing was applied."))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessage(
              "2 objects failed the pre-check against the cluster:\n"
                  + "  first\n"
                  + "  second\n"
                  + "Nothing was applied.");
    }

    @Test
    void policy_denials_alone_keep_their_table() {
      var denial =
          new SandboxException.PolicyViolations.Violation(
              "sandbox-image-tag", "deployment/apps/web", "k8s/app.yaml", "no :latest");

      assertThatThrownBy(
              () ->
                  new Precheck.Findings(List.of(), List.of(denial), List.of())
                      .throwIfAny("Nothing."))
          .isInstanceOf(SandboxException.PolicyViolations.class);
      assertThatThrownBy(
              () ->
                  new Precheck.Findings(List.of("bad"), List.of(denial), List.of())
                      .throwIfAny("Nothing."))
          .isExactlyInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(
              "k8s/app.yaml (deployment/apps/web) was denied by policy sandbox-image-tag: no"
                  + " :latest");
    }
  }

  @Nested
  @DisplayName("CRDs of the same batch")
  class CrdsOfTheBatch {

    @Test
    void serve_the_versions_they_declare_served() {
      assertThat(Precheck.crdVersions(List.of(CONFIG_MAP, CRD, WIDGET)))
          .isEqualTo(Map.of("example.com/Widget", Set.of("example.com/v1")));
    }

    @Test
    void are_matched_by_group_and_kind() {
      assertThat(Precheck.groupKind("example.com/v1", "Widget")).isEqualTo("example.com/Widget");
      assertThat(Precheck.groupKind("v1", "ConfigMap")).isEqualTo("/ConfigMap");
    }

    @Test
    void go_first_with_namespaces_keeping_the_order_otherwise() {
      assertThat(Apply.foundationsFirst(List.of(WIDGET, CONFIG_MAP, CRD, SERVICE, NAMESPACE)))
          .containsExactly(NAMESPACE, CRD, WIDGET, CONFIG_MAP, SERVICE);
    }
  }

  @Test
  void namespace_names_are_rfc_1123_labels() {
    assertThat(Wiring.isNamespaceName("orders-2")).isTrue();
    assertThat(Wiring.isNamespaceName("Bad_NS")).isFalse();
    assertThat(Wiring.isNamespaceName("-orders")).isFalse();
    assertThat(Wiring.isNamespaceName("a".repeat(64))).isFalse();
  }
}
