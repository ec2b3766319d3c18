package dev.sandbox.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.service.ClusterBinding;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeployMarksTest {

  private static Map<String, String> ordered(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  @Test
  void a_fingerprint_does_not_depend_on_map_order() {
    ClusterBinding one =
        new ClusterBinding(
            "PostgreSQL",
            "db",
            "10.0.0.2",
            ordered("a", "1", "b", "2").entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> 5432)),
            "db-secret",
            "Opaque",
            ordered("user", "u", "password", "p"));
    ClusterBinding same =
        new ClusterBinding(
            "PostgreSQL",
            "db",
            "10.0.0.2",
            Map.of("b", 5432, "a", 5432),
            "db-secret",
            "Opaque",
            ordered("password", "p", "user", "u"));

    assertThat(DeployMarks.fingerprint("wiring", List.of(one), ordered("x", "1", "y", "2")))
        .isEqualTo(DeployMarks.fingerprint("wiring", List.of(same), ordered("y", "2", "x", "1")));
  }

  @Test
  void any_input_changes_the_fingerprint() {
    String base = DeployMarks.fingerprint("policies", List.of("default"), Map.of("k", "v"));

    assertThat(DeployMarks.fingerprint("policies", List.of("default", "extra"), Map.of("k", "v")))
        .isNotEqualTo(base);
    assertThat(DeployMarks.fingerprint("policies", List.of("default"), Map.of("k", "w")))
        .isNotEqualTo(base);
    assertThat(DeployMarks.fingerprint("monitoring", List.of("default"), Map.of("k", "v")))
        .isNotEqualTo(base);
  }
}
