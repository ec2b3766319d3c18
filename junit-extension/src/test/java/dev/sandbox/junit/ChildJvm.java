package dev.sandbox.junit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A second JVM on this test class path, as another build (or a killed one) would run. */
final class ChildJvm {

  private ChildJvm() {}

  /** A process running {@code main}'s main method with {@code args}, stderr merged into stdout. */
  static ProcessBuilder of(Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true);
  }
}
