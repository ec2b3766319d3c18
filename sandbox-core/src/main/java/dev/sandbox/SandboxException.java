package dev.sandbox;

/**
 * Base of every failure the engine reports. The message always says what failed, why, and what to
 * do next; front ends print it as it is.
 */
public class SandboxException extends RuntimeException {

  public SandboxException(String message) {
    super(message);
  }

  public SandboxException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The deepest cause of {@code error} ({@code error} itself when it has none). */
  public static Throwable rootCause(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /**
   * The message worth showing for {@code error}: the first {@code SandboxException} in its cause
   * chain (that message already says what failed and what to do), else the root cause's message,
   * else the root cause's type. The one place front ends and the engine pick it.
   */
  public static String describe(Throwable error) {
    for (Throwable cursor = error; cursor != null; cursor = cursor.getCause()) {
      if (cursor instanceof SandboxException && cursor.getMessage() != null) {
        return cursor.getMessage();
      }
      if (cursor.getCause() == cursor) {
        break;
      }
    }
    Throwable root = rootCause(error);
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /** No Docker engine answered, or it cannot run what the sandbox needs. */
  public static class DockerUnavailable extends SandboxException {
    public DockerUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** An image was needed but is neither present locally nor allowed to be pulled. */
  public static class ImageUnavailable extends SandboxException {
    private final String image;

    public ImageUnavailable(String image, String message) {
      super(message);
      this.image = image;
    }

    /** The image reference (after the image map) that could not be had. */
    public String image() {
      return image;
    }
  }

  /** A container or the cluster did not start or become ready in time. */
  /** The thread was interrupted (Ctrl-C, a test's timeout) while the engine waited. */
  public static class Interrupted extends SandboxException {
    public Interrupted(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static class ServiceStartup extends SandboxException {
    public ServiceStartup(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A manifest could not be loaded or was rejected by the API server. */
  public static class ManifestApply extends SandboxException {
    public ManifestApply(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The platform's policies rejected objects of the manifests. The message lists every violation:
   * policy, workload, what is wrong.
   */
  public static class PolicyViolations extends ManifestApply {

    /** One rejected object. */
    public record Violation(String policy, String workload, String source, String message) {}

    private final java.util.List<Violation> violations;

    public PolicyViolations(java.util.List<Violation> violations) {
      super(format(violations), null);
      this.violations = java.util.List.copyOf(violations);
    }

    public java.util.List<Violation> violations() {
      return violations;
    }

    private static String format(java.util.List<Violation> violations) {
      StringBuilder text =
          new StringBuilder(violations.size() + " object(s) violate the sandbox's policies:\n");
      for (Violation v : violations) {
        text.append(String.format("  %-22s %-36s %s%n", v.policy(), v.workload(), v.message()));
      }
      return text.append(
              "Fix the manifests (production enforces the same policies), or set the policy's action"
                  + " to Warn under policies.guardrails in the stack file.")
          .toString();
    }
  }

  /** A sandbox name that is not a DNS-1123 label (see {@link SandboxName}); nothing was touched. */
  public static class InvalidName extends SandboxException {
    public InvalidName(String message) {
      super(message);
    }
  }

  /**
   * Another process holds the sandbox (it is starting or being removed) for longer than allowed.
   */
  public static class Busy extends SandboxException {
    public Busy(String message) {
      super(message);
    }
  }

  /** No running sandbox carries the requested name. */
  public static class NotFound extends SandboxException {
    public NotFound(String message) {
      super(message);
    }
  }
}
