package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Environment env =
        new Environment(
            Map.of("SANDBOX_HOME", dir.resolve("state").toString()),
            dir.resolve("home"),
            dir,
            false);
    int code =
        Cli.create(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  Run run(Map<String, String> extraEnv, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    env.put("SANDBOX_HOME", dir.resolve("state").toString());
    int code =
        Cli.create(
                new Environment(env, dir.resolve("home"), dir, false),
                new PrintWriter(out, true),
                new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Nested
  @DisplayName("a sandbox name is never a path: nothing is read, written or deleted")
  class NamesAreNotPaths {

    @Test
    void down_with_an_absolute_path_as_name_keeps_that_folder() throws IOException {
      Path victim = Files.createDirectories(dir.resolve("some").resolve("dir"));
      Files.writeString(victim.resolve("thesis.tex"), "years of work");

      Run run = run("down", "--name", victim.toString());

      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err())
          .contains("--name: '" + victim + "' is not a valid sandbox name")
          .doesNotContain("Nothing to remove");
      assertThat(victim.resolve("thesis.tex")).hasContent("years of work");
    }

    @Test
    void down_with_dot_dot_or_dot_keeps_the_home_and_every_other_sandbox() throws IOException {
      Path other = Files.createDirectories(dir.resolve("state").resolve("other"));
      Files.writeString(other.resolve("state.json"), "{}");
      Files.createDirectories(dir.resolve("home"));
      Files.writeString(dir.resolve("home").resolve(".bashrc"), "# mine");

      for (String name : new String[] {"..", ".", "../home", "./other/.."}) {
        Run run = run("down", "--name", name);
        assertThat(run.code()).as(name).isEqualTo(2);
        assertThat(run.err()).as(name).contains("is not a valid sandbox name");
      }
      assertThat(other.resolve("state.json")).hasContent("{}");
      assertThat(dir.resolve("home").resolve(".bashrc")).hasContent("# mine");
    }

    @Test
    void up_with_a_traversing_name_writes_nothing_anywhere() throws IOException {
      Run run = run("up", "--name", "../x");

      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("--name: '../x' is not a valid sandbox name");
      assertThat(dir.resolve("x")).doesNotExist();
      assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void sandbox_name_from_the_environment_is_checked_the_same_way() {
      for (String command : new String[] {"down", "status", "env", "up", "kubeconfig"}) {
        Run run = run(Map.of("SANDBOX_NAME", "../../etc"), command);
        assertThat(run.code()).as(command).isEqualTo(2);
        assertThat(run.err())
            .as(command)
            .contains("SANDBOX_NAME: '../../etc' is not a valid sandbox name");
      }
      assertThat(dir.resolve("state")).doesNotExist();
    }
  }

  @Nested
  @DisplayName("help")
  class Help {

    @Test
    void lists_every_command_and_the_exit_codes() {
      Run run = run("--help");

      assertThat(run.code()).isZero();
      assertThat(run.out())
          .contains(
              "up",
              "down",
              "status",
              "env",
              "kubeconfig",
              "doctor",
              "version",
              "generate-completion");
      assertThat(run.out())
          .contains(
              "Exit codes:",
              "0  success",
              "2  usage error",
              "3  the environment is not ready",
              "4  no sandbox");
    }

    @Test
    void every_command_has_help_with_examples() {
      var commands =
          Cli.create(
                  new Environment(Map.of(), dir, dir, false),
                  new PrintWriter(java.io.Writer.nullWriter()),
                  new PrintWriter(java.io.Writer.nullWriter()))
              .getSubcommands()
              .keySet()
              .stream()
              .filter(name -> !name.equals("generate-completion"))
              .toList();
      assertThat(commands).contains("up", "doctor", "version", "exec", "port-forward");
      for (String command : commands) {
        Run run = run(command, "--help");
        assertThat(run.code()).as(command).isZero();
        assertThat(run.out()).as(command).contains("Usage: sandbox " + command, "Examples:");
      }
    }

    @Test
    void no_command_is_a_usage_error() {
      Run run = run();

      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("Missing command");
    }
  }

  @Nested
  @DisplayName("usage errors exit with 2")
  class UsageErrors {

    @Test
    void a_misspelt_command_gets_a_suggestion() {
      Run run = run("stauts");

      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err())
          .contains("Unmatched argument at index 0: 'stauts'", "Did you mean: sandbox status?");
    }

    @Test
    void an_unknown_option_points_at_help() {
      Run run = run("up", "--bogus");

      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("Unknown option: '--bogus'", "See `sandbox up --help`.");
    }

    @Test
    void verbose_and_quiet_exclude_each_other() {
      Run run = run("up", "--verbose", "--quiet");

      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("mutually exclusive");
    }
  }

  @Nested
  @DisplayName("a bad stack file")
  class BadStack {

    @Test
    void stops_up_before_anything_starts_with_the_location_and_exit_1() throws IOException {
      Files.writeString(dir.resolve("sandbox.yaml"), "version: 1\nservices:\n  postgress: {}\n");

      Run run = run("up");

      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err().strip())
          .isEqualTo(
              "error: "
                  + dir.resolve("sandbox.yaml")
                  + ":3:3: services.postgress: unknown key. Did you mean 'postgres'? Known keys here: postgres, rabbitmq.");
      assertThat(run.out()).isEmpty();
    }

    @Test
    void a_missing_file_named_with_f_is_reported() {
      Run run = run("up", "-f", "nope.yaml");

      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err()).contains(dir.resolve("nope.yaml") + ": cannot be read");
    }
  }

  @Test
  void version_names_the_default_images() {
    Run run = run("version");

    assertThat(run.code()).isZero();
    assertThat(run.out())
        .startsWith("sandbox ")
        .contains("rancher/k3s:v1.34.4-k3s1", "postgres:17");
  }

  @Test
  void completion_script_is_generated() {
    Run run = run("generate-completion");

    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("complete -F _complete_sandbox");
  }
}
