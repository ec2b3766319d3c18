package dev.sandbox.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxName;
import dev.sandbox.SandboxState;
import dev.sandbox.service.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The state folder of each sandbox, {@code <root>/<name>/}: {@code state.json}, {@code kubeconfig}
 * and {@code credentials.json}, all readable by the owner only. Internal.
 *
 * <p>Every name is checked with {@link SandboxName} and every folder must resolve inside the root:
 * a name is never a path. {@link #remove} deletes only the files this store writes, so a folder
 * that holds anything else is left in place.
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

  /** Files this store writes into a sandbox's folder; nothing else is ever deleted. */
  /**
   * The data volumes a start created, listed until its services first answered ready: after a
   * {@code kill -9} in between, they may hold a half-initialised database, and no data.
   */
  private static final String NEW_VOLUMES = "new-volumes";

  private static final List<String> OWN_FILES =
      List.of("state.json", "kubeconfig", "credentials.json", NEW_VOLUMES);

  public StateStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** The folder of sandbox {@code name}, which must be a valid name resolving inside the root. */
  public Path folder(String name) {
    SandboxName.check(name, null);
    Path folder = root.resolve(name).normalize();
    if (!root.equals(folder.getParent())) {
      throw new SandboxException.InvalidName(
          "The state folder of '" + name + "' would be " + folder + ", outside " + root + ".");
    }
    if (Files.isSymbolicLink(folder)) {
      throw new SandboxException(
          folder
              + " is a symbolic link; sandbox state folders are plain folders it creates itself."
              + " Remove the link (nothing it points to is touched) and run the command again.");
    }
    return folder;
  }

  /**
   * Takes the per-name lock that serialises {@code up} and {@code down} of one sandbox across
   * processes, waiting up to {@code wait}; {@code onWait} hears once that another holder is being
   * waited for.
   */
  public SandboxLock lock(String name, Duration wait, Consumer<String> onWait) {
    folder(name);
    return SandboxLock.acquire(root.resolve(".locks").resolve(name + ".lock"), name, wait, onWait);
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

  /** Records the data volumes a start just created, before any of its services is ready. */
  public void writeNewVolumes(String name, List<String> volumes) {
    if (volumes.isEmpty()) {
      clearNewVolumes(name); // no list from an earlier start may outlive this one
      return;
    }
    writePrivate(folder(name).resolve(NEW_VOLUMES), String.join("\n", volumes) + "\n");
  }

  /** The services are ready: their volumes hold a complete database now. */
  public void clearNewVolumes(String name) {
    try {
      Files.deleteIfExists(folder(name).resolve(NEW_VOLUMES));
    } catch (IOException e) {
      throw new SandboxException("Cannot update the state of " + name + ": " + e.getMessage(), e);
    }
  }

  /** Volumes a start created whose services never answered ready (see {@link #NEW_VOLUMES}). */
  public List<String> newVolumes(String name) {
    Path file = folder(name).resolve(NEW_VOLUMES);
    try {
      return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList()
          : List.of();
    } catch (IOException e) {
      return List.of();
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
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      for (String file : OWN_FILES) {
        if (!(keepData && (file.equals("credentials.json") || file.equals(NEW_VOLUMES)))) {
          Files.deleteIfExists(folder.resolve(file));
        }
      }
      // temporary files of an interrupted atomic write
      try (Stream<Path> temps = Files.list(folder)) {
        for (Path temp : temps.filter(StateStore::isOwnTemp).toList()) {
          Files.deleteIfExists(temp);
        }
      }
      try (Stream<Path> left = Files.list(folder)) {
        if (left.findAny().isEmpty()) {
          Files.delete(folder);
        }
      }
    } catch (IOException e) {
      throw new SandboxException("Cannot remove " + folder + ": " + e.getMessage(), e);
    }
  }

  private static boolean isOwnTemp(Path path) {
    String file = path.getFileName().toString();
    return file.startsWith(".tmp") && file.endsWith(".tmp") && Files.isRegularFile(path);
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
      Path temp = Files.createTempFile(dir, ".tmp", ".tmp");
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
