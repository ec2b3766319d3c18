package dev.sandbox.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.service.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StateStoreTest {

  @TempDir Path dir;

  private StateStore store() {
    return new StateStore(dir.resolve("state"));
  }

  private static SandboxState state(String name, Path kubeconfig) {
    return new SandboxState(
        name,
        "hash",
        Map.of(),
        "embedded",
        "dev",
        Instant.now(),
        kubeconfig.toString(),
        6443,
        Map.of(),
        Map.of(),
        true);
  }

  @Nested
  @DisplayName("a name is never a path")
  class Names {

    @ParameterizedTest
    @ValueSource(
        strings = {
          "..",
          ".",
          "../x",
          "/some/dir",
          "a/b",
          "",
          "UPPER",
          "-x",
          "x-",
          "a b",
          "a\u0000b"
        })
    void every_operation_refuses_a_name_that_is_not_a_dns_label(String name) {
      StateStore store = store();

      assertThatThrownBy(() -> store.folder(name))
          .isInstanceOf(SandboxException.InvalidName.class)
          .hasMessageContaining("is not a valid sandbox name");
      assertThatThrownBy(() -> store.remove(name, false))
          .isInstanceOf(SandboxException.InvalidName.class);
      assertThatThrownBy(() -> store.read(name)).isInstanceOf(SandboxException.InvalidName.class);
      assertThatThrownBy(() -> store.writeCredentials(name, Map.of()))
          .isInstanceOf(SandboxException.InvalidName.class);
      assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void a_valid_name_resolves_directly_inside_the_root() {
      assertThat(store().folder("orders")).isEqualTo(dir.resolve("state").resolve("orders"));
    }

    @Test
    void a_state_folder_that_is_a_symbolic_link_is_refused_and_its_target_kept() throws Exception {
      Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
      Files.writeString(elsewhere.resolve("state.json"), "precious");
      Files.createDirectories(dir.resolve("state"));
      Files.createSymbolicLink(dir.resolve("state").resolve("orders"), elsewhere);

      assertThatThrownBy(() -> store().remove("orders", false))
          .isInstanceOf(SandboxException.class)
          .hasMessageContaining("is a symbolic link");
      assertThat(elsewhere.resolve("state.json")).hasContent("precious");
    }
  }

  @Nested
  @DisplayName("remove deletes only what the store wrote")
  class Remove {

    @Test
    void files_the_store_did_not_write_stay_and_so_does_their_folder() throws Exception {
      StateStore store = store();
      store.write(state("orders", store.kubeconfig("orders")), "kubeconfig: yes");
      store.writeCredentials("orders", Map.of("postgres", Credentials.generate()));
      Path mine = store.folder("orders").resolve("notes.txt");
      Files.writeString(mine, "the user's own file");

      store.remove("orders", false);

      assertThat(mine).hasContent("the user's own file");
      assertThat(store.folder("orders").resolve("state.json")).doesNotExist();
      assertThat(store.folder("orders").resolve("kubeconfig")).doesNotExist();
      assertThat(store.folder("orders").resolve("credentials.json")).doesNotExist();
    }

    @Test
    void keep_data_keeps_the_credentials_and_an_empty_folder_goes() throws Exception {
      StateStore store = store();
      store.write(state("orders", store.kubeconfig("orders")), "kubeconfig: yes");
      store.writeCredentials("orders", Map.of("postgres", Credentials.generate()));

      store.remove("orders", true);
      assertThat(store.folder("orders").resolve("credentials.json")).exists();
      assertThat(store.read("orders")).isEmpty();

      store.remove("orders", false);
      assertThat(store.folder("orders")).doesNotExist();
      assertThat(dir.resolve("state")).exists();
    }

    @Test
    void the_volumes_of_a_start_not_yet_ready_are_listed_until_cleared() throws Exception {
      StateStore store = store();
      store.writeNewVolumes(
          "orders", List.of("sandbox-orders-postgres", "sandbox-orders-rabbitmq"));
      assertThat(store.newVolumes("orders"))
          .containsExactly("sandbox-orders-postgres", "sandbox-orders-rabbitmq");
      // kept with the data: the next up still knows they never held a ready service
      store.remove("orders", true);
      assertThat(store.newVolumes("orders")).hasSize(2);
      // a later start that creates none leaves no list from the earlier one behind
      store.writeNewVolumes("orders", List.of());
      assertThat(store.newVolumes("orders")).isEmpty();
      store.writeNewVolumes("orders", List.of("sandbox-orders-postgres"));
      store.clearNewVolumes("orders");
      assertThat(store.newVolumes("orders")).isEmpty();
      store.remove("orders", false);
      assertThat(store.folder("orders")).doesNotExist();
    }

    @Test
    void state_files_are_readable_by_the_owner_only() throws Exception {
      StateStore store = store();
      store.write(state("orders", store.kubeconfig("orders")), "kubeconfig: yes");
      store.writeCredentials("orders", Map.of("postgres", Credentials.generate()));

      assertThat(Files.getPosixFilePermissions(store.folder("orders")))
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
      for (String file : List.of("state.json", "kubeconfig", "credentials.json")) {
        assertThat(Files.getPosixFilePermissions(store.folder("orders").resolve(file)))
            .as(file)
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      }
    }
  }

  @Nested
  @DisplayName("the per-name lock")
  class Locks {

    @Test
    void a_second_holder_waits_for_the_first_and_is_told_once() throws Exception {
      StateStore store = store();
      List<String> told = new ArrayList<>();
      SandboxLock first = store.lock("orders", Duration.ofSeconds(5), told::add);
      CompletableFuture<Long> second =
          CompletableFuture.supplyAsync(
              () -> {
                long begin = System.nanoTime();
                try (SandboxLock lock = store.lock("orders", Duration.ofSeconds(10), told::add)) {
                  return System.nanoTime() - begin;
                }
              });
      Thread.sleep(700);
      assertThat(second).isNotDone();
      first.close();

      long waited = second.get(5, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(waited)).isGreaterThan(Duration.ofMillis(600));
      assertThat(told).hasSize(1);
      assertThat(told.get(0)).contains("pid " + ProcessHandle.current().pid(), "'orders'");
    }

    @Test
    void a_holder_that_never_lets_go_ends_in_a_clear_busy_error() {
      StateStore store = store();
      try (SandboxLock held = store.lock("orders", Duration.ofSeconds(1), m -> {})) {
        assertThatThrownBy(() -> store.lock("orders", Duration.ofMillis(500), m -> {}))
            .isInstanceOf(SandboxException.Busy.class)
            .hasMessageContaining("still holds 'orders'");
      }
    }

    @Test
    void different_names_do_not_wait_for_each_other() {
      StateStore store = store();
      try (SandboxLock a = store.lock("a", Duration.ofSeconds(1), m -> {});
          SandboxLock b = store.lock("b", Duration.ofMillis(100), m -> {})) {
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
      }
    }
  }
}
