package dev.sandbox;

/**
 * How {@code up} treats an existing environment and conflicts.
 *
 * @param reuse when a sandbox of the same name runs from the same stack, attach to it instead of
 *     failing; never honoured in CI (front ends turn it off when {@code CI} is set)
 * @param forceConflicts take over fields another field manager owns during server-side apply
 * @param keepOnFailure leave the containers running after a failed {@code up}, for debugging; by
 *     default a failed {@code up} removes what it started (data volumes are kept)
 * @param persistent keep the containers after the JVM exits even with Testcontainers' reaper on
 */
public record UpOptions(
    boolean reuse, boolean forceConflicts, boolean keepOnFailure, boolean persistent) {

  public static UpOptions defaults() {
    return new UpOptions(true, false, false, false);
  }

  public UpOptions withReuse(boolean value) {
    return new UpOptions(value, forceConflicts, keepOnFailure, persistent);
  }

  public UpOptions withForceConflicts(boolean value) {
    return new UpOptions(reuse, value, keepOnFailure, persistent);
  }

  public UpOptions withKeepOnFailure(boolean value) {
    return new UpOptions(reuse, forceConflicts, value, persistent);
  }

  /**
   * Mark the containers reusable in Testcontainers' sense, so its resource reaper leaves them
   * running after the JVM exits (needs {@code testcontainers.reuse.enable=true}, Testcontainers'
   * own switch). The CLI instead runs with the reaper off; tests keep it on for throwaway
   * sandboxes.
   */
  public UpOptions withPersistent(boolean value) {
    return new UpOptions(reuse, forceConflicts, keepOnFailure, value);
  }
}
