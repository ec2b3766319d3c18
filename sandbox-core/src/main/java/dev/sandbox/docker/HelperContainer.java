package dev.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A short-lived container that runs one command of an image and is removed with everything it made:
 * the engine's own work beside a sandbox (rendering a kustomization, linking an image seed).
 *
 * <p>Every volume the image declares (the k3s image declares four, one of them holding 185 MB of
 * k3s's own files) is a tmpfs here: the engine would otherwise create an anonymous volume for each
 * and copy the image's files into it at every start, and leave the volumes behind unless asked to
 * remove them. Internal to the engine.
 */
public final class HelperContainer {

  /** What a helper printed and how it ended. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private final DockerClient docker;
  private final String image;
  private Consumer<CreateContainerCmd> create = cmd -> {};
  private HostConfig host = HostConfig.newHostConfig();
  private Path copyIn;
  private String copyTo;

  private HelperContainer(DockerClient docker, String image) {
    this.docker = docker;
    this.image = image;
  }

  /** A helper of {@code image} (a name the engine holds, or an image ID). */
  public static HelperContainer of(DockerClient docker, String image) {
    return new HelperContainer(docker, image);
  }

  /** Sets the entrypoint, command, environment, user or labels of the create command. */
  public HelperContainer configure(Consumer<CreateContainerCmd> settings) {
    this.create = this.create.andThen(settings);
    return this;
  }

  /** The host configuration (binds, network); the image's volumes become tmpfs over it. */
  public HelperContainer host(HostConfig host) {
    this.host = host;
    return this;
  }

  /** Copies the host folder {@code folder} into the container at {@code path} before it starts. */
  public HelperContainer copying(Path folder, String path) {
    this.copyIn = folder;
    this.copyTo = path;
    return this;
  }

  /**
   * Runs it to its end, at most {@code atMost}, and removes it (and any volume it has), also when
   * it failed or timed out.
   *
   * @throws RuntimeException the engine's, when it could not be created or started
   * @throws InterruptedException when interrupted while it runs
   */
  public Result run(Duration atMost) throws InterruptedException {
    Map<String, String> tmpfs = new LinkedHashMap<>();
    declaredVolumes().forEach(path -> tmpfs.put(path, ""));
    if (host.getTmpFs() != null) {
      tmpfs.putAll(host.getTmpFs());
    }
    CreateContainerCmd cmd = docker.createContainerCmd(image).withHostConfig(host.withTmpFs(tmpfs));
    create.accept(cmd);
    String id = cmd.exec().getId();
    try {
      if (copyIn != null) {
        docker
            .copyArchiveToContainerCmd(id)
            .withHostResource(copyIn.toString())
            .withRemotePath(copyTo)
            .exec();
      }
      docker.startContainerCmd(id).exec();
      Integer code =
          docker
              .waitContainerCmd(id)
              .exec(new WaitContainerResultCallback())
              .awaitStatusCode(atMost.toMillis(), TimeUnit.MILLISECONDS);
      StringBuilder out = new StringBuilder();
      StringBuilder err = new StringBuilder();
      docker
          .logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .exec(
              new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                  String text = new String(frame.getPayload(), StandardCharsets.UTF_8);
                  (frame.getStreamType() == StreamType.STDERR ? err : out).append(text);
                }
              })
          .awaitCompletion(1, TimeUnit.MINUTES);
      return new Result(code == null ? -1 : code, out.toString(), err.toString());
    } finally {
      try {
        docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
      } catch (RuntimeException e) {
        // already gone
      }
    }
  }

  /** The volumes the image declares ({@code VOLUME} in its Dockerfile). */
  private Iterable<String> declaredVolumes() {
    try {
      var config = docker.inspectImageCmd(image).exec().getConfig();
      var volumes = config == null ? null : config.getVolumes();
      return volumes == null ? java.util.List.of() : volumes.keySet();
    } catch (NotFoundException e) {
      // the create command says so
      return java.util.List.of();
    }
  }
}
