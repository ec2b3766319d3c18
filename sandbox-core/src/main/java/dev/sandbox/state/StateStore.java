package dev.sandbox.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.service.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state folder of each sandbox, {@code <root>/<name>/}: {@code state.json}, {@code kubeconfig}
 * and {@code credentials.json}, all readable by the owner only. Internal.
 */
public final class StateStore {

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final Path root;
  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  public StateStore(Path root) {
    this.root = root;
  }

  public Path folder(String name) {
    return root.resolve(name);
  }

  public Path kubeconfig(String name) {
    return folder(name).resolve("kubeconfig");
  }

  public Optional<SandboxState> read(String name) {
    Path file = folder(name).resolve("state.json");
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(file.toFile(), SandboxState.class));
    } catch (IOException e) {
      throw new SandboxException(
          "The state file "
              + file
              + " is unreadable ("
              + e.getMessage()
              + "). Run `sandbox down --name "
              + name
              + "` to clean up.",
          e);
    }
  }

  public void write(SandboxState state, String kubeconfigYaml) {
    writePrivate(kubeconfig(state.name()), kubeconfigYaml);
    write(state);
  }

  /** Rewrites the state file alone, for example after a changed stack was applied in place. */
  public void write(SandboxState state) {
    try {
      writePrivate(folder(state.name()).resolve("state.json"), json.writeValueAsString(state));
    } catch (IOException e) {
      throw new SandboxException(
          "Cannot write the state of " + state.name() + ": " + e.getMessage(), e);
    }
  }

  /** Credentials survive {@code down --keep-data}: a kept data volume only opens with them. */
  public Map<String, Credentials> credentials(String name) {
    Path file = folder(name).resolve("credentials.json");
    if (!Files.isRegularFile(file)) {
      return new HashMap<>();
    }
    try {
      Map<String, Credentials> result = new HashMap<>();
      json.readTree(file.toFile())
          .fields()
          .forEachRemaining(
              entry ->
                  result.put(
                      entry.getKey(),
                      new Credentials(
                          entry.getValue().get("username").asText(),
                          entry.getValue().get("password").asText())));
      return result;
    } catch (IOException e) {
      throw new SandboxException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public void writeCredentials(String name, Map<String, Credentials> credentials) {
    try {
      writePrivate(folder(name).resolve("credentials.json"), json.writeValueAsString(credentials));
    } catch (IOException e) {
      throw new SandboxException("Cannot write credentials of " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Forgets the running sandbox; with {@code keepData}, its credentials stay for the kept volumes.
   */
  public void remove(String name, boolean keepData) {
    Path folder = folder(name);
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        if (keepData
            && (path.equals(folder) || path.getFileName().toString().equals("credentials.json"))) {
          continue;
        }
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new SandboxException("Cannot remove " + folder + ": " + e.getMessage(), e);
    }
  }

  private void writePrivate(Path file, String content) {
    try {
      Path dir = file.getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        if (POSIX) {
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
      }
      Path temp = Files.createTempFile(dir, ".tmp", null);
      if (POSIX) {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      }
      Files.writeString(temp, content, StandardCharsets.UTF_8);
      Files.move(
          temp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new SandboxException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
