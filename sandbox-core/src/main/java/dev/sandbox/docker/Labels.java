package dev.sandbox.docker;

import java.util.Map;

/**
 * The Docker labels every sandbox resource carries, so later processes ({@code down}, {@code
 * status}) find containers, networks and volumes by label rather than by guessing names. Internal
 * to the engine.
 */
public final class Labels {

  public static final String NAME = "dev.sandbox.name";
  public static final String STACK_HASH = "dev.sandbox.stack-hash";
  public static final String VERSION = "dev.sandbox.version";
  public static final String COMPONENT = "dev.sandbox.component";

  private Labels() {}

  public static Map<String, String> of(
      String name, String stackHash, String version, String component) {
    return Map.of(NAME, name, STACK_HASH, stackHash, VERSION, version, COMPONENT, component);
  }

  /** The label filter that selects everything of one sandbox. */
  public static String selector(String name) {
    return NAME + "=" + name;
  }
}
