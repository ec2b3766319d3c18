package dev.sandbox.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.engine.UpPlan.Action;
import dev.sandbox.engine.UpPlan.ContainerView;
import dev.sandbox.engine.UpPlan.Observed;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("UpPlan decides what up does, without Docker")
class UpPlanTest {

  private static final String ROOT = "/home/dev/.sandbox";
  private static final Set<String> SERVICES = Set.of("postgres", "rabbitmq");

  private static Map<String, String> parts(String... overrides) {
    Map<String, String> parts = new TreeMap<>();
    for (String part :
        List.of(
            "k3s",
            "postgres",
            "rabbitmq",
            "wiring",
            "manifests",
            "images",
            "policies",
            "monitoring",
            "image-map",
            "readiness",
            "manifest-files")) {
      parts.put(part, part + "-1");
    }
    for (String override : overrides) {
      parts.put(override, override + "-2");
    }
    return parts;
  }

  private static List<ContainerView> running() {
    return List.of(
        new ContainerView("k3s", "running", ROOT),
        new ContainerView("postgres", "running", ROOT),
        new ContainerView("rabbitmq", "running", ROOT));
  }

  private static Observed observed(List<ContainerView> containers, Map<String, String> recorded) {
    return new Observed(containers, Optional.ofNullable(recorded), true, ROOT);
  }

  private static UpPlan decide(Map<String, String> now, Observed observed) {
    return UpPlan.decide(now, SERVICES, true, observed);
  }

  @Test
  void nothing_exists_so_everything_starts() {
    UpPlan plan = decide(parts(), observed(List.of(), null));
    assertThat(plan.action()).isEqualTo(Action.FRESH);
  }

  @Test
  void unchanged_and_running_is_reused() {
    UpPlan plan = decide(parts(), observed(running(), parts()));
    assertThat(plan.action()).isEqualTo(Action.REUSE);
    assertThat(plan.reason()).contains("unchanged");
  }

  @Nested
  @DisplayName("a changed stack")
  class Changed {

    @Test
    void edited_manifest_files_apply_in_place() {
      UpPlan plan = decide(parts("manifest-files"), observed(running(), parts()));
      assertThat(plan.action()).isEqualTo(Action.APPLY_IN_PLACE);
      assertThat(plan.changed()).containsExactly("manifest-files");
      assertThat(plan.reason())
          .isEqualTo("changed since it started: manifest-files — applying to the running sandbox");
    }

    @Test
    void wiring_policies_monitoring_readiness_and_images_apply_in_place() {
      for (String part :
          List.of("wiring", "policies", "monitoring", "readiness", "images", "manifests")) {
        assertThat(decide(parts(part), observed(running(), parts())).action())
            .as(part)
            .isEqualTo(Action.APPLY_IN_PLACE);
      }
    }

    @Test
    void k3s_services_and_the_image_map_recreate_keeping_data() {
      for (String part : List.of("k3s", "postgres", "rabbitmq", "image-map")) {
        UpPlan plan = decide(parts(part, "manifest-files"), observed(running(), parts()));
        assertThat(plan.action()).as(part).isEqualTo(Action.RECREATE_KEEP_DATA);
        assertThat(plan.reason()).as(part).contains(part).endsWith("data volumes are kept");
      }
    }

    @Test
    void a_state_of_an_older_version_without_fingerprint_recreates() {
      UpPlan plan = decide(parts(), observed(running(), Map.of()));
      assertThat(plan.action()).isEqualTo(Action.RECREATE_KEEP_DATA);
    }
  }

  @Nested
  @DisplayName("stopped containers")
  class Stopped {

    @Test
    void a_dead_postgres_alone_is_restarted_alone() {
      List<ContainerView> containers =
          List.of(
              new ContainerView("k3s", "running", ROOT),
              new ContainerView("postgres", "exited", ROOT),
              new ContainerView("rabbitmq", "running", ROOT));
      UpPlan plan = decide(parts(), observed(containers, parts()));
      assertThat(plan.action()).isEqualTo(Action.RESTART_SERVICES);
      assertThat(plan.deadServices()).containsExactly("postgres");
      assertThat(plan.reason()).contains("postgres exited", "restarting only those");
    }

    @Test
    void dead_services_with_an_in_place_change_restart_and_then_apply() {
      List<ContainerView> containers =
          List.of(
              new ContainerView("k3s", "running", ROOT),
              new ContainerView("postgres", "exited", ROOT),
              new ContainerView("rabbitmq", "dead", ROOT));
      UpPlan plan = decide(parts("manifest-files"), observed(containers, parts()));
      assertThat(plan.action()).isEqualTo(Action.RESTART_SERVICES);
      assertThat(plan.deadServices()).containsExactlyInAnyOrder("postgres", "rabbitmq");
      assertThat(plan.changed()).containsExactly("manifest-files");
    }

    @Test
    void a_stopped_k3s_after_a_reboot_recreates_keeping_data() {
      List<ContainerView> containers =
          List.of(
              new ContainerView("k3s", "exited", ROOT),
              new ContainerView("postgres", "exited", ROOT),
              new ContainerView("rabbitmq", "exited", ROOT));
      UpPlan plan = decide(parts(), observed(containers, parts()));
      assertThat(plan.action()).isEqualTo(Action.RECREATE_KEEP_DATA);
      assertThat(plan.reason()).contains("k3s exited").endsWith("data volumes are kept");
    }

    @Test
    void a_dead_service_and_a_container_change_recreate() {
      List<ContainerView> containers =
          List.of(
              new ContainerView("k3s", "running", ROOT),
              new ContainerView("postgres", "exited", ROOT),
              new ContainerView("rabbitmq", "running", ROOT));
      assertThat(decide(parts("postgres"), observed(containers, parts())).action())
          .isEqualTo(Action.RECREATE_KEEP_DATA);
    }

    @Test
    void a_stopped_component_the_stack_no_longer_enables_recreates() {
      List<ContainerView> containers =
          List.of(
              new ContainerView("k3s", "running", ROOT),
              new ContainerView("redis", "exited", ROOT));
      assertThat(decide(parts(), observed(containers, parts())).action())
          .isEqualTo(Action.RECREATE_KEEP_DATA);
    }
  }

  @Nested
  @DisplayName("interrupted, foreign and forbidden")
  class Refusals {

    @Test
    void containers_without_state_are_an_interrupted_start() {
      UpPlan plan = decide(parts(), observed(running(), null));
      assertThat(plan.action()).isEqualTo(Action.REPLACE_INTERRUPTED);
    }

    @Test
    void a_state_of_an_unfinished_start_is_an_interrupted_start_even_when_reuse_is_off() {
      Observed unfinished = new Observed(running(), Optional.of(parts()), false, ROOT);
      assertThat(UpPlan.decide(parts(), SERVICES, false, unfinished).action())
          .isEqualTo(Action.REPLACE_INTERRUPTED);
    }

    @Test
    void containers_of_another_state_root_are_never_touched() {
      List<ContainerView> theirs = List.of(new ContainerView("k3s", "running", "/tmp/other-home"));
      UpPlan plan = decide(parts(), observed(theirs, null));
      assertThat(plan.action()).isEqualTo(Action.REFUSE_FOREIGN);
      assertThat(plan.reason()).contains("/tmp/other-home");
    }

    @Test
    void no_reuse_refuses_a_finished_sandbox() {
      assertThat(UpPlan.decide(parts(), SERVICES, false, observed(running(), parts())).action())
          .isEqualTo(Action.REFUSE_EXISTS);
    }

    @Test
    void containers_of_an_older_version_without_a_root_label_are_ours() {
      List<ContainerView> old = List.of(new ContainerView("k3s", "running", null));
      assertThat(decide(parts(), observed(old, null)).action())
          .isEqualTo(Action.REPLACE_INTERRUPTED);
    }
  }
}
