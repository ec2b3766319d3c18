package dev.sandbox.docker;

import java.util.HashMap;
import java.util.Map;
import org.testcontainers.DockerClientFactory;

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

  /**
   * The state folder root of the process that started the container: a sandbox of the same name
   * from another {@code SANDBOX_HOME} is not mistaken for an interrupted start of this one.
   */
  public static final String STATE_ROOT = "dev.sandbox.state-root";

  /** On a node's image store volume: the k3s image whose containerd wrote it. */
  public static final String NODE_IMAGE = "dev.sandbox.node-image";

  private Labels() {}

  public static Map<String, String> of(
      String name, String stackHash, String version, String component) {
    return Map.of(NAME, name, STACK_HASH, stackHash, VERSION, version, COMPONENT, component);
  }

  /**
   * {@code labels}, plus — for a throwaway sandbox — Testcontainers' session labels, so that its
   * resource reaper removes the resource when the JVM that made it dies (Testcontainers labels its
   * own containers this way; networks and volumes the engine creates itself need it explicitly).
   */
  public static Map<String, String> reapable(Map<String, String> labels, boolean persistent) {
    Map<String, String> all = new HashMap<>(labels);
    if (!persistent) {
      all.putAll(DockerClientFactory.DEFAULT_LABELS);
      all.put(DockerClientFactory.TESTCONTAINERS_SESSION_ID_LABEL, DockerClientFactory.SESSION_ID);
    }
    return all;
  }

  /** The label filter that selects everything of one sandbox. */
  public static String selector(String name) {
    return NAME + "=" + name;
  }
}
