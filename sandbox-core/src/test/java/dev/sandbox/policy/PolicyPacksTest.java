package dev.sandbox.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Waiting for the guardrails never ends as if they were active when nobody saw it")
class PolicyPacksTest {

  private static final Stack GUARDED =
      StackLoader.parse(
          "guarded.yaml",
          "version: 1\nname: guarded\npolicies:\n  packs: [guardrails]\n"
              + "  guardrails: {name-label: Deny}\n",
          Path.of("."));

  /** A client whose every call fails with {@code failure}, counting the calls. */
  private static KubernetesClient failingWith(
      KubernetesClientException failure, AtomicInteger calls) {
    return (KubernetesClient)
        Proxy.newProxyInstance(
            KubernetesClient.class.getClassLoader(),
            new Class<?>[] {KubernetesClient.class},
            (proxy, method, args) -> {
              calls.incrementAndGet();
              throw failure;
            });
  }

  @Test
  void an_interrupt_while_waiting_throws_and_keeps_the_interrupt_flag() {
    AtomicInteger calls = new AtomicInteger();
    KubernetesClient busy =
        failingWith(new KubernetesClientException("Service Unavailable", 503, null), calls);
    Thread.currentThread().interrupt();
    try {
      Throwable thrown =
          catchThrowable(() -> PolicyPacks.awaitGuardrails(busy, GUARDED, Duration.ofSeconds(30)));
      assertThat(thrown)
          .isInstanceOf(SandboxException.class)
          .hasMessageContaining("Interrupted while waiting for the guardrail admission policies");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted(); // clear it for the next test
    }
  }

  @Test
  void an_error_waiting_cannot_fix_fails_at_once_naming_it() {
    AtomicInteger calls = new AtomicInteger();
    KubernetesClient forbidden =
        failingWith(
            new KubernetesClientException(
                "deployments.apps is forbidden: User cannot create", 403, null),
            calls);
    Instant start = Instant.now();
    Throwable thrown =
        catchThrowable(
            () -> PolicyPacks.awaitGuardrails(forbidden, GUARDED, Duration.ofSeconds(30)));
    assertThat(thrown)
        .isInstanceOf(SandboxException.ServiceStartup.class)
        .hasMessageContaining("answered 403")
        .hasMessageContaining("forbidden");
    assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    assertThat(calls).hasValue(1);
  }

  @Test
  void a_busy_api_server_is_asked_again_and_the_timeout_names_the_last_answer() {
    AtomicInteger calls = new AtomicInteger();
    KubernetesClient busy =
        failingWith(new KubernetesClientException("etcd leader changed", 500, null), calls);
    Throwable thrown =
        catchThrowable(() -> PolicyPacks.awaitGuardrails(busy, GUARDED, Duration.ofMillis(1200)));
    assertThat(thrown)
        .isInstanceOf(SandboxException.ServiceStartup.class)
        .hasMessageContaining("did not take effect within")
        .hasMessageContaining("500: etcd leader changed");
    assertThat(calls.get()).isGreaterThan(1);
  }

  @Test
  void a_rejection_by_an_admission_policy_means_active() {
    assertThat(
            PolicyPacks.probeOutcome(
                new KubernetesClientException(
                    "ValidatingAdmissionPolicy 'sandbox-name-label' denied request", 422, null)))
        .isEqualTo(PolicyPacks.ProbeOutcome.ACTIVE);
  }
}
