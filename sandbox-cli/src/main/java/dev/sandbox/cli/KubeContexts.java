package dev.sandbox.cli;

import dev.sandbox.SandboxException;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.ConfigBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Merges a sandbox's context into the user's kubeconfig as {@code sandbox-<name>} (cluster, user
 * and context of that name, the way kind and k3d do) and removes it again — the way kubectl edits
 * it: {@code KUBECONFIG} (a list of files) wins over {@code ~/.kube/config}, new entries go to the
 * first file of the list, each file is edited under its {@code <file>.lock} and replaced atomically
 * by a file that is owner-only from its creation, and every other entry stays as it was (fabric8's
 * typed model keeps fields it does not know).
 */
final class KubeContexts {

  private static final Duration LOCK_WAIT = Duration.ofSeconds(2);

  private KubeContexts() {}

  /** The kubeconfig files in kubectl's order: {@code KUBECONFIG}'s list, else ~/.kube/config. */
  static List<Path> files(Map<String, String> env, Path home) {
    String list = env.get("KUBECONFIG");
    if (list == null || list.isBlank()) {
      return List.of(home.resolve(".kube").resolve("config"));
    }
    LinkedHashSet<Path> files = new LinkedHashSet<>();
    Arrays.stream(list.split(File.pathSeparator))
        .filter(part -> !part.isBlank())
        .map(part -> Path.of(part).toAbsolutePath().normalize())
        .forEach(files::add);
    return files.isEmpty() ? List.of(home.resolve(".kube").resolve("config")) : List.copyOf(files);
  }

  /** The file new entries go to: the first of {@link #files}. */
  static Path file(Map<String, String> env, Path home) {
    return files(env, home).get(0);
  }

  /** Adds or replaces the sandbox's entries and makes it the current context. */
  static void merge(Map<String, String> env, Path home, String name, String sandboxKubeconfig) {
    Config source = parse(sandboxKubeconfig, "the sandbox's kubeconfig");
    String entry = entry(name);
    List<Path> files = files(env, home);
    // a stale copy in a later file would be shadowed by the first anyway; kubectl would not leave
    // it
    for (Path later : files.subList(1, files.size())) {
      if (Files.isRegularFile(later)) {
        edit(later, config -> removeEntry(config, entry));
      }
    }
    edit(
        files.get(0),
        config -> {
          removeEntry(config, entry);
          source.getClusters().stream()
              .filter(c -> entry.equals(c.getName()))
              .forEach(config.getClusters()::add);
          source.getUsers().stream()
              .filter(u -> entry.equals(u.getName()))
              .forEach(config.getUsers()::add);
          source.getContexts().stream()
              .filter(c -> entry.equals(c.getName()))
              .forEach(config.getContexts()::add);
          config.setCurrentContext(entry);
          return true;
        });
  }

  /** Removes the sandbox's entries from every file of the list; true if there were any. */
  static boolean remove(Map<String, String> env, Path home, String name) {
    String entry = entry(name);
    boolean removed = false;
    for (Path file : files(env, home)) {
      if (Files.isRegularFile(file)) {
        removed |= edit(file, config -> removeEntry(config, entry));
      }
    }
    return removed;
  }

  private static String entry(String name) {
    return "sandbox-" + name;
  }

  private static boolean removeEntry(Config config, String entry) {
    boolean removed = config.getClusters().removeIf(c -> entry.equals(c.getName()));
    removed |= config.getUsers().removeIf(u -> entry.equals(u.getName()));
    removed |= config.getContexts().removeIf(c -> entry.equals(c.getName()));
    if (entry.equals(config.getCurrentContext())) {
      config.setCurrentContext("");
      removed = true;
    }
    return removed;
  }

  @FunctionalInterface
  private interface Change {
    /** Changes {@code config} in place; true when there is something to write. */
    boolean apply(Config config);
  }

  /** Reads, changes and replaces {@code file} under its lock file; true when it was written. */
  private static boolean edit(Path file, Change change) {
    Path target = realPath(file);
    Path lock = target.resolveSibling(target.getFileName() + ".lock");
    try {
      Files.createDirectories(target.getParent());
      acquire(lock);
      try {
        Config config =
            Files.isRegularFile(target)
                ? parse(Files.readString(target, StandardCharsets.UTF_8), target.toString())
                : new ConfigBuilder().withApiVersion("v1").withKind("Config").build();
        if (!change.apply(config)) {
          return false;
        }
        write(target, Serialization.asYaml(config));
        return true;
      } finally {
        Files.deleteIfExists(lock);
      }
    } catch (IOException e) {
      throw new SandboxException("Cannot update " + target + ": " + e.getMessage(), e);
    }
  }

  /** A symlinked kubeconfig (dotfiles) is edited where it lives, as kubectl does. */
  private static Path realPath(Path file) {
    try {
      return Files.exists(file) ? file.toRealPath() : file.toAbsolutePath();
    } catch (IOException e) {
      return file.toAbsolutePath();
    }
  }

  /** kubectl's protocol: {@code <file>.lock}, created exclusively, deleted after the write. */
  private static void acquire(Path lock) throws IOException {
    Instant deadline = Instant.now().plus(LOCK_WAIT);
    while (true) {
      try {
        Files.createFile(lock);
        return;
      } catch (FileAlreadyExistsException busy) {
        if (Instant.now().isAfter(deadline)) {
          throw new SandboxException(
              lock
                  + " exists: another kubectl or sandbox is editing the kubeconfig. If none is"
                  + " running, the lock is stale: delete it and retry.");
        }
        try {
          // a lock file has no notification to wait on; kubectl itself does not wait at all
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SandboxException("Interrupted while waiting for " + lock, e);
        }
      }
    }
  }

  /** Writes a new owner-only file beside {@code target} and moves it over it atomically. */
  private static void write(Path target, String yaml) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] ownerOnly =
        posix
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            }
            : new FileAttribute<?>[0];
    Path temp =
        Files.createTempFile(
            target.getParent(), "." + target.getFileName() + "-", ".tmp", ownerOnly);
    try {
      Files.writeString(temp, yaml, StandardCharsets.UTF_8);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static Config parse(String yaml, String what) {
    Config config;
    try {
      config = yaml.isBlank() ? new Config() : Serialization.unmarshal(yaml, Config.class);
    } catch (RuntimeException e) {
      throw new SandboxException(
          what + " is not a kubeconfig kubectl could read: " + e.getMessage(), e);
    }
    if (config == null) {
      config = new Config();
    }
    // lists may be absent (null) in a hand-written file; edit them as empty ones
    config.setClusters(
        new ArrayList<>(Objects.requireNonNullElse(config.getClusters(), List.of())));
    config.setUsers(new ArrayList<>(Objects.requireNonNullElse(config.getUsers(), List.of())));
    config.setContexts(
        new ArrayList<>(Objects.requireNonNullElse(config.getContexts(), List.of())));
    if (config.getApiVersion() == null) {
      config.setApiVersion("v1");
    }
    if (config.getKind() == null) {
      config.setKind("Config");
    }
    return config;
  }
}
