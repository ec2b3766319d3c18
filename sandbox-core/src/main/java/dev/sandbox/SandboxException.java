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

  /** No running sandbox carries the requested name. */
  public static class NotFound extends SandboxException {
    public NotFound(String message) {
      super(message);
    }
  }
}
