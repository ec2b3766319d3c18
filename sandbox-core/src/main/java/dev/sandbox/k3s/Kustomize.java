package dev.sandbox.k3s;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Renders a kustomization with the kustomize built into k3s's kubectl, so the host needs nothing
 * extra. The folder is copied into the node's scratch folder first; errors name the user's paths,
 * not the node's. Internal.
 */
public final class Kustomize {

  /** Where the node gets a copy of the user's folder. */
  static final String SCRATCH = "/tmp/sandbox-kustomize";

  private Kustomize() {}

  /**
   * @param stackFile the stack file, when there is one: its whole folder is copied, because
   *     overlays refer to bases above them
   */
  public static String render(
      DockerClient docker, String nodeId, Path dir, Optional<Path> stackFile) {
    Path root = stackFile.map(Path::toAbsolutePath).map(Path::getParent).orElse(dir);
    if (!dir.toAbsolutePath().startsWith(root)) {
      root = dir;
    }
    root = root.toAbsolutePath();
    K3sNode.execResult(docker, nodeId, "rm", "-rf", SCRATCH);
    K3sNode.exec(docker, nodeId, "mkdir", "-p", SCRATCH);
    docker
        .copyArchiveToContainerCmd(nodeId)
        .withHostResource(root.toString())
        .withDirChildrenOnly(true)
        .withRemotePath(SCRATCH)
        .exec();
    String relative = root.relativize(dir.toAbsolutePath()).toString().replace('\\', '/');
    String inNode = relative.isEmpty() ? SCRATCH : SCRATCH + "/" + relative;
    K3sNode.Exec result = K3sNode.execResult(docker, nodeId, "kubectl", "kustomize", inNode);
    if (result.exitCode() != 0) {
      throw new SandboxException.ManifestApply(
          failure(dir, root, (result.stderr().strip() + " " + result.stdout().strip()).strip()),
          null);
    }
    return result.stdout();
  }

  /** The message for a kustomization kustomize could not render, in the user's paths. */
  static String failure(Path dir, Path root, String output) {
    return "kustomize could not render "
        + dir
        + ": "
        + userPaths(output, root)
        + " Fix the kustomization (`kubectl kustomize "
        + dir
        + "` shows the same error).";
  }

  /** Replaces the node's scratch folder in kustomize's output with the folder it is a copy of. */
  static String userPaths(String output, Path root) {
    String local = root.toString();
    return output
        .replace(SCRATCH + "/", local + root.getFileSystem().getSeparator())
        .replace(SCRATCH, local);
  }
}
