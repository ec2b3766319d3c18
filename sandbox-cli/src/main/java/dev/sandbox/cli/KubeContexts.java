package dev.sandbox.cli;

import dev.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Merges a sandbox's context into {@code ~/.kube/config} as {@code sandbox-<name>} (cluster, user
 * and context of that name, the way kind and k3d do) and removes it again.
 */
final class KubeContexts {

  private static final String[] SECTIONS = {"clusters", "users", "contexts"};

  private KubeContexts() {}

  static Path file(Path home) {
    return home.resolve(".kube").resolve("config");
  }

  /** Adds or replaces the sandbox's entries and makes it the current context. */
  static void merge(Path home, String name, String sandboxKubeconfig) {
    Map<String, Object> target = read(file(home));
    Map<String, Object> source = parse(sandboxKubeconfig);
    String entry = "sandbox-" + name;
    for (String section : SECTIONS) {
      List<Object> items = list(target, section);
      items.removeIf(item -> entry.equals(((Map<?, ?>) item).get("name")));
      for (Object item : list(source, section)) {
        if (entry.equals(((Map<?, ?>) item).get("name"))) {
          items.add(item);
        }
      }
    }
    target.put("current-context", entry);
    write(file(home), target);
  }

  /** Removes the sandbox's entries; true if there were any. */
  static boolean remove(Path home, String name) {
    Path file = file(home);
    if (!Files.isRegularFile(file)) {
      return false;
    }
    Map<String, Object> config = read(file);
    String entry = "sandbox-" + name;
    boolean removed = false;
    for (String section : SECTIONS) {
      removed |=
          list(config, section).removeIf(item -> entry.equals(((Map<?, ?>) item).get("name")));
    }
    if (entry.equals(config.get("current-context"))) {
      config.put("current-context", "");
    }
    if (removed) {
      write(file, config);
    }
    return removed;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> config, String section) {
    Object value = config.get(section);
    if (!(value instanceof List<?>)) {
      value = new ArrayList<>();
      config.put(section, value);
    } else if (!(value instanceof ArrayList<?>)) {
      value = new ArrayList<>((List<Object>) value);
      config.put(section, value);
    }
    return (List<Object>) value;
  }

  private static Map<String, Object> read(Path file) {
    if (!Files.isRegularFile(file)) {
      Map<String, Object> empty = new LinkedHashMap<>();
      empty.put("apiVersion", "v1");
      empty.put("kind", "Config");
      return empty;
    }
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new SandboxException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String yaml) {
    Object loaded = new Load(LoadSettings.builder().build()).loadFromString(yaml);
    return loaded instanceof Map<?, ?> map
        ? new LinkedHashMap<>((Map<String, Object>) map)
        : new LinkedHashMap<>();
  }

  private static void write(Path file, Map<String, Object> config) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, new Dump(DumpSettings.builder().build()).dumpToString(config));
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new SandboxException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
