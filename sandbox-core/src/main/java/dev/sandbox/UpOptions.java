package dev.sandbox;

/**
 * How {@code up} treats an existing environment and conflicts.
 *
 * @param reuse when a sandbox of the same name runs from the same stack, attach to it instead of
 *     failing; never honoured in CI (front ends turn it off when {@code CI} is set)
 * @param forceConflicts take over fields another field manager owns during server-side apply
 * @param keepOnFailure leave the containers running after a failed {@code up}, for debugging; by
 *     default a failed {@code up} removes what it started (data volumes are kept)
 */
public record UpOptions(boolean reuse, boolean forceConflicts, boolean keepOnFailure) {

  public static UpOptions defaults() {
    return new UpOptions(true, false, false);
  }

  public UpOptions withReuse(boolean value) {
    return new UpOptions(value, forceConflicts, keepOnFailure);
  }

  public UpOptions withForceConflicts(boolean value) {
    return new UpOptions(reuse, value, keepOnFailure);
  }

  public UpOptions withKeepOnFailure(boolean value) {
    return new UpOptions(reuse, forceConflicts, value);
  }
}
