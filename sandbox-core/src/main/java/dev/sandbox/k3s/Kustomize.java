package dev.sandbox.k3s;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * Renders a kustomization with the kustomize built into k3s's kubectl, so the host needs nothing
 * extra. The folder is copied into the node's scratch folder first; errors name the user's paths,
 * not the node's. Internal.
 */
public final class Kustomize {

  /**
   * Where the node gets copies of the user's folder: one sub-folder per render, removed after, so
   * that concurrent renders (parallel namespace-per-class test classes) never see each other's.
   */
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
    String scratch = SCRATCH + "/" + UUID.randomUUID();
    K3sNode.exec(docker, nodeId, "mkdir", "-p", scratch);
    try {
      docker
          .copyArchiveToContainerCmd(nodeId)
          .withHostResource(root.toString())
          .withDirChildrenOnly(true)
          .withRemotePath(scratch)
          .exec();
      String relative = root.relativize(dir.toAbsolutePath()).toString().replace('\\', '/');
      String inNode = relative.isEmpty() ? scratch : scratch + "/" + relative;
      K3sNode.Exec result = K3sNode.execResult(docker, nodeId, "kubectl", "kustomize", inNode);
      if (result.exitCode() != 0) {
        throw new SandboxException.ManifestApply(
            failure(
                dir,
                root,
                userPaths(
                    (result.stderr().strip() + " " + result.stdout().strip()).strip(),
                    scratch,
                    root)),
            null);
      }
      return result.stdout();
    } finally {
      K3sNode.execResult(docker, nodeId, "rm", "-rf", scratch);
    }
  }

  /**
   * Renders a kustomization without a sandbox node (a cluster target): with {@code kubectl} when it
   * is on the PATH, else with the kubectl of a throwaway container of the k3s image {@code
   * k3sImage} on the local Docker engine.
   */
  public static String renderOffNode(
      DockerClient docker, String k3sImage, Path dir, Optional<Path> stackFile) {
    Optional<Path> kubectl = onPath("kubectl");
    if (kubectl.isPresent()) {
      try {
        Process process =
            new ProcessBuilder(kubectl.get().toString(), "kustomize", dir.toString()).start();
        java.util.concurrent.CompletableFuture<String> err =
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return new String(process.getErrorStream().readAllBytes());
                  } catch (java.io.IOException e) {
                    return "";
                  }
                });
        String out = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
          throw new SandboxException.ManifestApply(
              failure(dir, dir, (err.join().strip() + " " + out.strip()).strip()), null);
        }
        return out;
      } catch (java.io.IOException e) {
        throw new SandboxException.ManifestApply(
            "kubectl kustomize " + dir + " could not run: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SandboxException("Interrupted while rendering " + dir, e);
      }
    }
    Path root = stackFile.map(Path::toAbsolutePath).map(Path::getParent).orElse(dir);
    if (!dir.toAbsolutePath().startsWith(root)) {
      root = dir;
    }
    root = root.toAbsolutePath();
    DockerClient client = docker != null ? docker : dev.sandbox.docker.DockerEngine.client();
    String relative = root.relativize(dir.toAbsolutePath()).toString().replace('\\', '/');
    String inContainer = "/tmp/" + root.getFileName() + (relative.isEmpty() ? "" : "/" + relative);
    dev.sandbox.docker.HelperContainer.Result result;
    try {
      result =
          dev.sandbox.docker.HelperContainer.of(client, k3sImage)
              .configure(
                  cmd ->
                      cmd.withEntrypoint("kubectl")
                          .withCmd("kustomize", inContainer)
                          .withLabels(java.util.Map.of("dev.sandbox.purpose", "kustomize")))
              .copying(root, "/tmp")
              .run(java.time.Duration.ofMinutes(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException("Interrupted while rendering " + dir, e);
    }
    if (result.exitCode() != 0) {
      throw new SandboxException.ManifestApply(
          failure(
              dir,
              root,
              (result.stderr().strip() + " " + result.stdout().strip())
                  .replace("/tmp/" + root.getFileName(), root.toString())
                  .strip()),
          null);
    }
    return result.stdout();
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (java.nio.file.Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
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
    return userPaths(output, SCRATCH, root);
  }

  private static String userPaths(String output, String scratch, Path root) {
    String local = root.toString();
    return output
        .replace(scratch + "/", local + root.getFileSystem().getSeparator())
        .replace(scratch, local);
  }
}
