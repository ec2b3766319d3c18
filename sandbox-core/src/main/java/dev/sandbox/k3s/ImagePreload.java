package dev.sandbox.k3s;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.SandboxException;
import dev.sandbox.poll.Poll;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Loads the images a stack names into the k3s node while the node is still starting: they stream
 * from the local Docker engine into the node's containerd as soon as it answers — long before the
 * node is Ready. Without this, importing a few hundred megabytes after the cluster is up is the
 * largest serial step of {@code up}. Internal.
 */
public final class ImagePreload {

  private static final Duration POLL = Duration.ofMillis(250);

  private final CompletableFuture<Map<String, K3sNode.Import>> result;
  private volatile boolean cancelled;

  private ImagePreload(
      DockerClient docker,
      Supplier<String> containerId,
      List<String> images,
      java.util.function.BooleanSupplier storeKept,
      Duration timeout) {
    result =
        images.isEmpty()
            ? CompletableFuture.completedFuture(Map.of())
            : CompletableFuture.supplyAsync(
                () -> run(docker, containerId, images, storeKept, timeout),
                task -> {
                  Thread thread = new Thread(task, "sandbox-image-preload");
                  thread.setDaemon(true);
                  thread.start();
                });
  }

  /**
   * Starts loading {@code images} into the node whose container id {@code containerId} returns once
   * the container exists (null before).
   *
   * @param storeKept whether the node's containerd store was kept from an earlier node or filled
   *     from the machine's image seed (see {@code LocalSlice}), asked once the node exists: the
   *     images it already holds, by local image ID, are not imported again
   */
  public static ImagePreload start(
      DockerClient docker,
      Supplier<String> containerId,
      List<String> images,
      java.util.function.BooleanSupplier storeKept,
      Duration timeout) {
    return new ImagePreload(docker, containerId, List.copyOf(images), storeKept, timeout);
  }

  /**
   * Waits for the preload to finish.
   *
   * @return image to what loading it did (how long it took since the preload began; whether the
   *     node held it already)
   */
  public Map<String, K3sNode.Import> await() {
    try {
      return result.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Stops waiting for the node (when the start failed). */
  public void cancel() {
    cancelled = true;
  }

  private Map<String, K3sNode.Import> run(
      DockerClient docker,
      Supplier<String> containerId,
      List<String> images,
      java.util.function.BooleanSupplier storeKept,
      Duration timeout) {
    Instant begin = Instant.now();
    Instant deadline = begin.plus(timeout);
    Map<String, K3sNode.Import> took = new LinkedHashMap<>();
    String id =
        awaitNode(
            timeout,
            seen -> {
              checkCancelled();
              seen.is("the k3s container was not created yet");
              return containerId.get();
            });
    awaitNode(
        Duration.between(Instant.now(), deadline),
        seen -> {
          checkCancelled();
          seen.is("containerd in " + id + " did not answer");
          return containerdAnswers(docker, id) ? Boolean.TRUE : null;
        });
    boolean kept = storeKept.getAsBoolean();
    for (String image : images) {
      checkCancelled();
      boolean alreadyLoaded = false;
      if (kept) {
        // a kept store: skip what the node holds
        alreadyLoaded = K3sNode.importImage(docker, id, image).alreadyLoaded();
      } else {
        K3sNode.load(docker, id, image, K3sNode.imageId(docker, image));
      }
      took.put(image, new K3sNode.Import(Duration.between(begin, Instant.now()), alreadyLoaded));
    }
    return took;
  }

  private static boolean containerdAnswers(DockerClient docker, String id) {
    try {
      return K3sNode.execResult(docker, id, "ctr", "-n", "k8s.io", "version").exitCode() == 0;
    } catch (RuntimeException notRunningYet) {
      return false;
    }
  }

  private static <T> T awaitNode(Duration timeout, Poll.Probe<T> probe) {
    return Poll.until(
        "the k3s node's containerd",
        timeout,
        POLL,
        probe,
        last ->
            new SandboxException.ServiceStartup(
                "The k3s node's containerd did not answer in time, so images could not be loaded"
                    + " into it ("
                    + last
                    + "). Raise readiness.timeout if the machine is slow.",
                null));
  }

  private void checkCancelled() {
    if (cancelled) {
      throw new CancellationException("the sandbox did not start");
    }
  }
}
