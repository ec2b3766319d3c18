package dev.sandbox.k3s;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.sandbox.SandboxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.ExecInContainerPattern;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The k3s node container and the commands the engine runs inside it ({@code ctr} to import images,
 * {@code kubectl kustomize} to render kustomizations with the kustomize k3s carries, so the host
 * needs nothing extra). Internal.
 */
public final class K3sNode {

  private K3sNode() {}

  /** How long a command waits for a node paused for a cluster snapshot to run again. */
  private static final Duration PAUSED_AT_MOST = Duration.ofSeconds(30);

  /** The outcome of a command run in the node. */
  public record Exec(int exitCode, String stdout, String stderr) {}

  /**
   * The node's name, the same for every sandbox: a node booting from a {@link ClusterSnapshots
   * snapshot} must find itself in the restored datastore (the system pods are bound to it).
   */
  public static final String NODE_NAME = "sandbox";

  /**
   * The k3s command: Testcontainers' own ({@code --disable=traefik}, the host as a TLS SAN) or,
   * with {@code ingress}, k3s's default with its bundled Traefik (servicelb runs either way); plus
   * a fixed node name and an API-server endpoint that follows the node's address, so that a node
   * booted from a snapshot on another container address does not keep the old one as an endpoint of
   * {@code kubernetes.default}.
   */
  public static java.util.List<String> command(boolean ingress, String host) {
    java.util.List<String> command = new java.util.ArrayList<>();
    command.add("server");
    if (!ingress) {
      command.add("--disable=traefik");
    }
    command.add("--tls-san=" + host);
    command.add("--node-name=" + NODE_NAME);
    command.add("--kube-apiserver-arg=endpoint-reconciler-type=master-count");
    return command;
  }

  /** Testcontainers' K3sContainer on the mapped image, started with {@link #command}. */
  public static Container container(String image, boolean ingress) {
    Container k3s =
        new Container(DockerImageName.parse(image).asCompatibleSubstituteFor("rancher/k3s"));
    k3s.setCommand(command(ingress, k3s.getHost()).toArray(String[]::new));
    return k3s;
  }

  /**
   * The node container; {@link #restoringFrom} unpacks a snapshot of a ready cluster into it after
   * it is created and before it starts.
   */
  public static final class Container extends K3sContainer {

    private final java.util.concurrent.atomic.AtomicReference<Throwable> restoreFailure =
        new java.util.concurrent.atomic.AtomicReference<>();

    Container(DockerImageName image) {
      super(image);
      // K3sContainer binds the Docker host's /sys/fs/cgroup. Handed to Docker in the create
      // command instead of as a Testcontainers bind: a Testcontainers bind first has it check,
      // once per JVM, whether files of this machine can be mounted into containers (it starts
      // and removes an alpine container for that, and only logs a warning), which every
      // `sandbox up` waited for before it could create the node (0.9 s of a 14.6 s start, five
      // runs each way); a kernel filesystem of the Docker host needs no such check.
      java.util.List<com.github.dockerjava.api.model.Bind> hostBinds =
          java.util.List.copyOf(getBinds());
      setBinds(new java.util.ArrayList<>());
      withCreateContainerCmdModifier(cmd -> dev.sandbox.docker.Binds.add(cmd, hostBinds));
    }

    private volatile boolean started;

    @Override
    protected void containerIsStarted(
        com.github.dockerjava.api.command.InspectContainerResponse containerInfo) {
      super.containerIsStarted(containerInfo);
      started = true;
    }

    /** True once k3s said the node is usable (the wait for its log line ended well). */
    public boolean started() {
      return started;
    }

    /** Why the snapshot could not be copied in whole, when it could not. */
    public java.util.Optional<String> restoreFailure() {
      return java.util.Optional.ofNullable(restoreFailure.get()).map(SandboxException::describe);
    }

    /**
     * Creates the container only once {@code ready} completed (its image store is filled): the wait
     * sits in the create command, so everything before it — the image check, the other containers'
     * starts — goes on meanwhile.
     */
    public Container createdAfter(java.util.concurrent.CompletableFuture<?> ready) {
      withCreateContainerCmdModifier(cmd -> ready.join());
      return this;
    }

    /**
     * Boots from {@code snapshot} (a {@link ClusterSnapshots} file) instead of a fresh datastore:
     * Testcontainers copies it in after creating the container and before starting it (a copy,
     * unlike an overridden creation hook, keeps the container reusable).
     */
    public Container restoringFrom(Path snapshot) {
      withCopyToContainer(
          ClusterSnapshots.transferable(snapshot, restoreFailure), ClusterSnapshots.PARENT_PATH);
      // usable for writing once the API server answers: the engine waits for /readyz, then for
      // the node and CoreDNS while it deploys (a fresh node is awaited to Ready first, to be
      // snapshotted before anything is written into it)
      waitingFor(Wait.forLogMessage(KUBECONFIG_WRITTEN, 1));
      return this;
    }
  }

  /**
   * k3s's log line once it wrote the admin kubeconfig Testcontainers reads ({@code Wrote kubeconfig
   * /etc/rancher/k3s/k3s.yaml}; the stand-in's is lower-case).
   */
  static final String KUBECONFIG_WRITTEN = ".*[Ww]rote kubeconfig /etc/rancher/k3s/k3s\\.yaml.*";

  /** The containerd label that records which local Docker image (by ID) an import came from. */
  static final String SOURCE_LABEL = "dev.sandbox.docker-image-id";

  /**
   * What loading an image did.
   *
   * @param took how long it took
   * @param alreadyLoaded the node held this very image (same ID) already: nothing was imported
   */
  public record Import(Duration took, boolean alreadyLoaded) {}

  /**
   * Streams an image from the local Docker engine into k3s's containerd ({@code k8s.io} namespace),
   * so pods with {@code imagePullPolicy: IfNotPresent} start without a registry — unless the node
   * already holds the image with the same ID, which is what makes {@code apply} after a YAML-only
   * change fast.
   */
  public static Import importImage(DockerClient docker, String containerId, String image) {
    Instant start = Instant.now();
    String id = imageId(docker, image);
    if (holds(docker, containerId, image, id)) {
      return new Import(Duration.between(start, Instant.now()), true);
    }
    load(docker, containerId, image, id);
    return new Import(Duration.between(start, Instant.now()), false);
  }

  /**
   * Streams {@code image} ({@code docker save}) straight into {@code ctr images import -} in the
   * node ({@code --local} where its ctr {@link #importsLocally takes it}) and labels it with its
   * local ID {@code id}: no temporary file on either side, so each layer is written once, by
   * containerd (half the time of saving, copying and importing a file).
   */
  public static void load(DockerClient docker, String containerId, String image, String id) {
    String[] command =
        importsLocally(docker, containerId)
            ? new String[] {"ctr", "-n", "k8s.io", "images", "import", "--local", "-"}
            : new String[] {"ctr", "-n", "k8s.io", "images", "import", "-"};
    StringBuilder output = new StringBuilder();
    Long exitCode;
    InputStream saved;
    try {
      saved = docker.saveImageCmd(image).exec();
    } catch (NotFoundException e) {
      throw new SandboxException.ImageUnavailable(
          image,
          "Image "
              + image
              + " is not in the local Docker engine, so it cannot be loaded into the cluster. Build it first"
              + " (docker build -t "
              + image
              + " .) or remove it from 'images' in the stack file.");
    }
    try (saved) {
      String exec =
          onceRunning(
              () ->
                  docker
                      .execCreateCmd(containerId)
                      .withAttachStdin(true)
                      .withAttachStdout(true)
                      .withAttachStderr(true)
                      .withCmd(command)
                      .exec()
                      .getId());
      docker
          .execStartCmd(exec)
          .withStdIn(saved)
          .exec(
              new com.github.dockerjava.api.async.ResultCallback.Adapter<
                  com.github.dockerjava.api.model.Frame>() {
                @Override
                public void onNext(com.github.dockerjava.api.model.Frame frame) {
                  if (output.length() < 4096) {
                    output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                  }
                }
              })
          .awaitCompletion();
      exitCode = docker.inspectExecCmd(exec).exec().getExitCodeLong();
    } catch (SandboxException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException.Interrupted("Interrupted while loading " + image, e);
    } catch (IOException | RuntimeException e) {
      throw new SandboxException(
          "Loading " + image + " into the cluster failed: " + SandboxException.describe(e), e);
    }
    if (exitCode == null || exitCode != 0) {
      throw new SandboxException(
          "Loading "
              + image
              + " into the cluster failed: `"
              + String.join(" ", command)
              + "` in the k3s node exited with "
              + exitCode
              + ": "
              + output.toString().strip());
    }
    label(docker, containerId, image, id);
  }

  /** Per node container: whether its {@code ctr images import} takes {@code --local}. */
  private static final java.util.Map<String, Boolean> LOCAL_IMPORT =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether the node's {@code ctr} imports in its own process when asked ({@code --local}, ctr 1.7
   * and later) rather than by streaming the archive to containerd's transfer service, ctr 2.x's
   * default: a quarter less time (Prometheus's image into a fresh node: 6.2 and 6.4 s against 8.0
   * and 8.4 s). ctr 1.6 does not know the flag. Asked once per node, from {@code ctr images import
   * --help}.
   */
  static boolean importsLocally(DockerClient docker, String containerId) {
    return LOCAL_IMPORT.computeIfAbsent(
        containerId,
        id -> {
          Exec help = execResult(docker, id, "ctr", "images", "import", "--help");
          return (help.stdout() + help.stderr()).contains("--local");
        });
  }

  /**
   * Removes the node's pods from its containerd: tasks, containers, pod sandboxes and the leases
   * that hold their snapshots. The node's image store outlives the node (and becomes the machine's
   * image seed); left in it, these records are work the next node's kubelet does during its boot (a
   * default stack leaves 40 or more), and sandboxes' leases keep their snapshots on disk for good.
   * The images stay. The kubelet is stopped first so that it recreates nothing: on rancher/k3s it
   * runs inside the k3s process, the container's first process, which only a signal from outside
   * the container can stop; where it is a process of its own, it is stopped from inside. The file
   * {@code $1} exists afterwards only when every step succeeded.
   */
  static final String CLEAR_PODS =
      String.join(
          "\n",
          "rm -f \"$1\"",
          "pkill -STOP -x kubelet 2>/dev/null",
          "c='ctr -n k8s.io'",
          "ids() { $c \"$@\" 2>/dev/null | awk 'NR>1{print $1}'; }",
          "t=$(ids tasks ls); [ -z \"$t\" ] || $c tasks rm -f $t >/dev/null 2>&1",
          "s=$(ids sandboxes ls); [ -z \"$s\" ] || $c sandboxes rm -f $s >/dev/null 2>&1",
          "k=$(ids containers ls); [ -z \"$k\" ] || $c containers rm $k >/dev/null 2>&1",
          "l=$(ids leases ls); [ -z \"$l\" ] || $c leases rm $l >/dev/null 2>&1",
          "[ -z \"$(ids containers ls)$(ids sandboxes ls)\" ] || exit 1",
          "touch \"$1\"");

  /**
   * Empties a running node's containerd of its pods (see {@link #CLEAR_PODS}) before the node is
   * removed, within {@code atMost}, and then writes the file {@code marker} (a path in the node's
   * image store) that tells the store is free of them; a node that cannot be cleared is removed as
   * it is, and its next boot does the work.
   */
  public static void clearPods(
      DockerClient docker, String containerId, String marker, Duration atMost) {
    try {
      docker.killContainerCmd(containerId).withSignal("SIGSTOP").exec();
    } catch (RuntimeException e) {
      return; // not running, or gone: nothing to clear
    }
    try {
      // its outcome is the marker file: the exit code adds nothing the caller acts on
      java.util.concurrent.CompletableFuture.supplyAsync(
              () -> execResult(docker, containerId, "sh", "-c", CLEAR_PODS, "sh", marker))
          .get(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // a containerd that does not answer: the removal ends the exec with the node
    }
  }

  /** The local engine's ID of {@code image}, or null when it does not have it. */
  public static String imageId(DockerClient docker, String image) {
    try {
      return docker.inspectImageCmd(image).exec().getId();
    } catch (NotFoundException e) {
      return null;
    }
  }

  /**
   * True when the node's containerd holds {@code image} imported from the local image {@code id}.
   */
  public static boolean holds(DockerClient docker, String containerId, String image, String id) {
    java.util.Map<String, String> one = new java.util.HashMap<>();
    one.put(image, id);
    return holding(docker, containerId, one).contains(image);
  }

  /**
   * Of {@code images} (name to local image ID, null when there is none), those the node's
   * containerd holds imported from that very ID: one listing in the node for all of them (each
   * {@code docker exec} costs 0.2 s or more).
   */
  public static java.util.Set<String> holding(
      DockerClient docker, String containerId, java.util.Map<String, String> images) {
    java.util.Set<String> held = new java.util.LinkedHashSet<>();
    if (images.values().stream().allMatch(java.util.Objects::isNull)) {
      return held;
    }
    Exec listed = execResult(docker, containerId, "ctr", "-n", "k8s.io", "images", "ls");
    if (listed.exitCode() != 0) {
      return held;
    }
    java.util.List<String> lines = listed.stdout().lines().toList();
    images.forEach(
        (image, id) -> {
          String reference = normalised(image);
          if (id != null
              && lines.stream()
                  .anyMatch(
                      line ->
                          line.startsWith(reference + " ")
                              && line.contains(SOURCE_LABEL + "=" + id))) {
            held.add(image);
          }
        });
    return held;
  }

  /** Records which local image an import came from, so the next load can skip it. */
  public static void label(DockerClient docker, String containerId, String image, String id) {
    if (id != null) {
      execResult(
          docker,
          containerId,
          "ctr",
          "-n",
          "k8s.io",
          "images",
          "label",
          normalised(image),
          SOURCE_LABEL + "=" + id);
    }
  }

  /**
   * The name containerd gives an imported image: {@code foo:1} becomes {@code
   * docker.io/library/foo:1}.
   */
  static String normalised(String image) {
    String reference = image;
    int slash = reference.indexOf('/');
    String first = slash < 0 ? "" : reference.substring(0, slash);
    boolean hasRegistry =
        slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
    if (!hasRegistry) {
      reference = (slash < 0 ? "docker.io/library/" : "docker.io/") + reference;
    }
    int lastSlash = reference.lastIndexOf('/');
    if (!reference.contains("@") && reference.indexOf(':', lastSlash) < 0) {
      reference = reference + ":latest";
    }
    return reference;
  }

  /** Runs a command in the node; a non-zero exit becomes an exception carrying its output. */
  public static String exec(DockerClient docker, String containerId, String... command) {
    Exec result = execResult(docker, containerId, command);
    if (result.exitCode() != 0) {
      throw new SandboxException(
          "`"
              + String.join(" ", command)
              + "` failed in the k3s node (exit "
              + result.exitCode()
              + "): "
              + (result.stderr().strip() + " " + result.stdout().strip()).strip());
    }
    return result.stdout();
  }

  /** Runs a command in the node through Testcontainers' exec; the exit code is the caller's. */
  public static Exec execResult(DockerClient docker, String containerId, String... command) {
    try {
      Container.ExecResult result =
          onceRunning(
              () -> {
                try {
                  return ExecInContainerPattern.execInContainer(
                      docker,
                      docker.inspectContainerCmd(containerId).exec(),
                      StandardCharsets.UTF_8,
                      command);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new SandboxException.Interrupted(
                      "Interrupted while running " + String.join(" ", command), e);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      return new Exec(result.getExitCode(), result.getStdout(), result.getStderr());
    } catch (java.io.UncheckedIOException e) {
      throw new SandboxException(
          "`"
              + String.join(" ", command)
              + "` could not run in the k3s node: "
              + e.getCause().getMessage(),
          e.getCause());
    }
  }

  /**
   * Creates an exec in the node: the engine refuses one while the node is paused for a cluster
   * snapshot (about a second), so it is tried again once the node runs.
   */
  private static <T> T onceRunning(java.util.function.Supplier<T> execCreate) {
    Instant deadline = Instant.now().plus(PAUSED_AT_MOST);
    while (true) {
      try {
        return execCreate.get();
      } catch (com.github.dockerjava.api.exception.ConflictException e) {
        if (!String.valueOf(e.getMessage()).contains("paused") || Instant.now().isAfter(deadline)) {
          throw e;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new SandboxException.Interrupted("Interrupted while the node was paused", e);
        }
      }
    }
  }

  /**
   * Why a loaded image will not serve its pods, when it is tagged {@code :latest} or not at all:
   * Kubernetes defaults {@code imagePullPolicy} to {@code Always} for those, so the kubelet pulls
   * instead of using the loaded image — ImagePullBackOff without a registry.
   */
  public static java.util.Optional<String> pulledAlways(String image) {
    int slash = image.lastIndexOf('/');
    String last = image.substring(slash + 1);
    boolean latest = !image.contains("@") && (!last.contains(":") || last.endsWith(":latest"));
    if (!latest) {
      return java.util.Optional.empty();
    }
    String repository = last.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
    return java.util.Optional.of(
        image
            + " is "
            + (last.contains(":") ? "tagged :latest" : "untagged (:latest)")
            + ": Kubernetes pulls such an image on every start (imagePullPolicy defaults to Always),"
            + " so its pods fail with ImagePullBackOff although it is loaded. Tag it (`docker tag "
            + image
            + " "
            + repository
            + ":dev`) and use that tag, or set imagePullPolicy: IfNotPresent on the containers.");
  }
}
