package dev.sandbox.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestFilesTest {

  @TempDir Path dir;

  private String hash(Path... paths) {
    return ManifestFiles.hash(List.of(paths), Optional.of(dir));
  }

  @Test
  void an_edited_added_or_removed_manifest_changes_the_hash_and_nothing_else_does()
      throws IOException {
    Path k8s = Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(k8s.resolve("a.yaml"), "kind: ConfigMap\n");
    String before = hash(k8s);

    assertThat(hash(k8s)).isEqualTo(before);
    Files.writeString(k8s.resolve("notes.txt"), "not a manifest");
    assertThat(hash(k8s)).as("other files do not count").isEqualTo(before);

    Files.writeString(k8s.resolve("a.yaml"), "kind: Secret\n");
    String edited = hash(k8s);
    assertThat(edited).isNotEqualTo(before);

    Files.writeString(k8s.resolve("b.yml"), "kind: ConfigMap\n");
    String added = hash(k8s);
    assertThat(added).isNotEqualTo(edited);

    Files.delete(k8s.resolve("b.yml"));
    assertThat(hash(k8s)).isEqualTo(edited);
  }

  @Test
  void a_kustomization_counts_the_bases_it_reaches_under_the_stack_folder_but_not_build_output()
      throws IOException {
    Path base = Files.createDirectories(dir.resolve("k8s/base"));
    Path overlay = Files.createDirectories(dir.resolve("k8s/overlays/prod"));
    Files.writeString(base.resolve("deployment.yaml"), "kind: Deployment\n");
    Files.writeString(overlay.resolve("kustomization.yaml"), "resources: [../../base]\n");
    String before = hash(overlay);

    Files.createDirectories(dir.resolve("target/classes"));
    Files.writeString(dir.resolve("target/classes/copy.yaml"), "kind: Deployment\n");
    assertThat(hash(overlay)).isEqualTo(before);

    Files.writeString(base.resolve("deployment.yaml"), "kind: Deployment\nspec: {}\n");
    assertThat(hash(overlay)).isNotEqualTo(before);
  }
}
