package dev.sandbox.docker;

import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(15);

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
    // One pull, done here: Testcontainers' own pull retries a failing registry for two minutes
    // with a stack trace per attempt; with no registry in reach the engine answers at once.
    pullOnce(imageName);
    return false;
  }

  /**
   * Makes sure {@code image} is in the local engine before anything starts: present, or pulled once
   * (not when offline); otherwise an {@link SandboxException.ImageUnavailable} naming the image and
   * the image-map fix.
   */
  public static void ensureLocal(String image, boolean offline) {
    new SandboxPullPolicy(offline).shouldPull(DockerImageName.parse(image));
  }

  private static void pullOnce(DockerImageName imageName) {
    String image = imageName.asCanonicalNameString();
    try {
      boolean done =
          DockerClientFactory.lazyClient()
              .pullImageCmd(imageName.getUnversionedPart())
              .withTag(imageName.getVersionPart())
              .start()
              .awaitCompletion(PULL_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
      if (!done) {
        throw unavailable(
            image, "the pull did not finish within " + PULL_TIMEOUT.toMinutes() + " minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(image, "interrupted");
    } catch (SandboxException e) {
      throw e;
    } catch (RuntimeException e) {
      throw unavailable(image, firstLine(e));
    }
    if (!presentLocally(imageName)) {
      throw unavailable(image, "the engine reported no error, but the image is still missing");
    }
  }

  /** The failure for an image that is missing locally and could not be pulled. */
  static SandboxException.ImageUnavailable unavailable(String image, String why) {
    return new SandboxException.ImageUnavailable(
        image,
        "Image "
            + image
            + " is not in the local Docker engine and could not be pulled ("
            + why
            + "). Without a registry, map it to an image you have: add 'image-map: {\""
            + image
            + "\": <local image>}' to sandbox.yaml or ~/.sandbox/config.yaml (README:"
            + " Air-gapped use), or pull it through your mirror first. From a clone of sandbox,"
            + " `./sandbox up` builds local stand-ins for the images of the standard stack"
            + " (ci/images).");
  }

  private static String firstLine(Throwable error) {
    String message = SandboxException.describe(error).strip();
    if (message.startsWith("Status ") && message.contains("\"message\":\"")) {
      // docker-java wraps the engine's JSON answer: keep the engine's sentence
      int start = message.indexOf("\"message\":\"") + 11;
      int end = message.indexOf('"', start);
      message = end > start ? message.substring(start, end) : message;
    }
    int newline = message.indexOf('\n');
    return newline > 0 ? message.substring(0, newline) : message;
  }

  /** The failure for an image that is missing while offline. */
  private static SandboxException.ImageUnavailable offlineFailure(String image) {
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
    return DockerEngine.hasImage(
        DockerClientFactory.lazyClient(), imageName.asCanonicalNameString());
  }
}
