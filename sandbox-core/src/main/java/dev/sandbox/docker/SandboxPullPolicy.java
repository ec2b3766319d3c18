package dev.sandbox.docker;

import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxException;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' pull policy for the sandbox: pull only what is missing locally, and when offline
 * fail at once, naming the image and how to provide it, instead of waiting on a registry that
 * cannot be reached.
 *
 * <p>Registered through {@code testcontainers.properties} ({@code pull.policy}); Testcontainers
 * instantiates it reflectively, hence it resolves the configuration from the environment itself.
 */
public final class SandboxPullPolicy implements ImagePullPolicy {

  private final boolean offline;

  public SandboxPullPolicy() {
    this(
        SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")))
            .offline());
  }

  SandboxPullPolicy(boolean offline) {
    this.offline = offline;
  }

  @Override
  public boolean shouldPull(DockerImageName imageName) {
    if (presentLocally(imageName)) {
      return false;
    }
    if (offline) {
      throw offlineFailure(imageName.asCanonicalNameString());
    }
    return true;
  }

  /** The failure for an image that is missing while offline. */
  public static SandboxException.ImageUnavailable offlineFailure(String image) {
    return new SandboxException.ImageUnavailable(
        image,
        "Image "
            + image
            + " is not in the local Docker engine and sandbox is offline, so it will not be pulled."
            + " Build or load it (docker build / docker load), or map it to an image you have:"
            + " add 'image-map: {\""
            + image
            + "\": <local image>}' to sandbox.yaml or ~/.sandbox/config.yaml."
            + " To allow pulling, unset SANDBOX_OFFLINE or set 'offline: false'.");
  }

  static boolean presentLocally(DockerImageName imageName) {
    try {
      DockerClientFactory.lazyClient().inspectImageCmd(imageName.asCanonicalNameString()).exec();
      return true;
    } catch (com.github.dockerjava.api.exception.NotFoundException e) {
      return false;
    }
  }
}
