package dev.sandbox.docker;

import dev.sandbox.SandboxConfig;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

/**
 * Applies the user-level image map ({@link SandboxConfig}) to every image Testcontainers starts,
 * including its own helpers (the Ryuk resource reaper, the tiny image of its start-up checks).
 *
 * <p>Registered through {@code testcontainers.properties} on sandbox-core's classpath ({@code
 * image.substitutor}), so it needs no user code. Testcontainers instantiates it reflectively, which
 * is why it reads the environment itself instead of being handed a resolved configuration. The
 * stack's own image map is applied by the engine before it creates a container.
 */
public final class SandboxImageNameSubstitutor extends ImageNameSubstitutor {

  private static final Logger logger = LoggerFactory.getLogger(SandboxImageNameSubstitutor.class);

  private final SandboxConfig config;

  public SandboxImageNameSubstitutor() {
    this(SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home"))));
  }

  SandboxImageNameSubstitutor(SandboxConfig config) {
    this.config = config;
  }

  @Override
  public DockerImageName apply(DockerImageName original) {
    String reference = original.asCanonicalNameString();
    String mapped = config.imageMap().apply(reference);
    if (mapped.equals(reference)) {
      return original;
    }
    logger.debug("Image {} mapped to {}", reference, mapped);
    return DockerImageName.parse(mapped).asCompatibleSubstituteFor(original);
  }

  @Override
  protected String getDescription() {
    return "sandbox image map ("
        + config.source().map(Path::toString).orElse("no user config")
        + ")";
  }
}
