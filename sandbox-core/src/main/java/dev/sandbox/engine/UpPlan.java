package dev.sandbox.engine;

import com.github.dockerjava.api.model.Container;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.docker.Labels;
import dev.sandbox.manifest.ManifestFiles;
import dev.sandbox.stack.Stack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code up} must do to a sandbox: a pure function of the stack's fingerprint, the services it
 * enables, the caller's reuse wish and what is observed on the Docker engine and in the state
 * folder. No Docker, no files: every case is unit-tested ({@code UpPlanTest}), and the engine only
 * carries the plan out.
 *
 * @param action what to do
 * @param changed parts of the stack that differ from the running sandbox's ({@link
 *     Stack#fingerprint()} plus {@code manifest-files})
 * @param deadServices backing services whose containers do not run (for {@link
 *     Action#RESTART_SERVICES})
 * @param reason one line for the user: why this action
 */
public record UpPlan(Action action, List<String> changed, Set<String> deadServices, String reason) {

  /** The possible outcomes, from nothing to do to refusing. */
  public enum Action {
    /** No container of this name exists: start everything. */
    FRESH,
    /** Running, unchanged: attach to it. */
    REUSE,
    /** Running, changed in what needs no new container: deploy again in place. */
    APPLY_IN_PLACE,
    /** k3s runs, only backing-service containers died: replace those on their ports, redeploy. */
    RESTART_SERVICES,
    /** A change needs new containers, or k3s is down: remove all but the data, start afresh. */
    RECREATE_KEEP_DATA,
    /** Containers without a finished state, and nobody holds the lock: a killed start. */
    REPLACE_INTERRUPTED,
    /** It exists and the caller forbids touching it ({@code --no-reuse}, CI). */
    REFUSE_EXISTS,
    /** Containers of this name belong to another state root (another SANDBOX_HOME). */
    REFUSE_FOREIGN
  }

  public UpPlan {
    Objects.requireNonNull(action, "action");
    changed = List.copyOf(changed);
    deadServices = Set.copyOf(deadServices);
  }

  /**
   * One container of the sandbox as observed.
   *
   * @param component its {@code dev.sandbox.component} label (k3s, postgres, rabbitmq, ...)
   * @param state Docker's state word (running, exited, created, ...)
   * @param stateRoot the state root label, or null for containers of older versions
   */
  public record ContainerView(String component, String state, String stateRoot) {
    boolean running() {
      return "running".equals(state);
    }
  }

  /**
   * What exists now.
   *
   * @param containers the sandbox's containers on the engine
   * @param stateParts the recorded fingerprint when a state file exists
   * @param stateComplete whether that state records a finished start
   * @param stateRoot this process's state root
   */
  public record Observed(
      List<ContainerView> containers,
      Optional<Map<String, String>> stateParts,
      boolean stateComplete,
      String stateRoot) {
    public Observed {
      containers = List.copyOf(containers);
    }

    /**
     * The state root of a container started from another state folder root than this process's
     * (containers of older versions carry none and never count).
     */
    public Optional<String> foreignRoot() {
      return containers.stream()
          .map(ContainerView::stateRoot)
          .filter(root -> root != null && !root.equals(stateRoot))
          .findFirst();
    }

    /** What Docker and the state folder show. */
    public static Observed of(
        List<Container> containers, Optional<SandboxState> state, String stateRoot) {
      return new Observed(
          containers.stream()
              .map(
                  c ->
                      new ContainerView(
                          c.getLabels().getOrDefault(Labels.COMPONENT, "?"),
                          c.getState(),
                          c.getLabels().get(Labels.STATE_ROOT)))
              .toList(),
          state.map(SandboxState::stackParts),
          state.map(SandboxState::isComplete).orElse(false),
          stateRoot);
    }
  }

  /** The stack's {@link Stack#fingerprint()} plus a hash of the files it applies. */
  public static Map<String, String> parts(Stack stack) {
    Map<String, String> parts = new TreeMap<>(stack.fingerprint());
    List<Path> files = new ArrayList<>(stack.manifests().allPaths());
    files.addAll(stack.policies().custom());
    files.addAll(stack.monitoring().rules());
    parts.put("manifest-files", ManifestFiles.hash(files, stack.source().map(Path::getParent)));
    if (!stack.manifests().helm().isEmpty()) {
      List<Path> charts = new ArrayList<>();
      for (var release : stack.manifests().helm()) {
        release.chartPath().ifPresent(charts::add);
        charts.addAll(release.values());
      }
      parts.put("helm-files", ManifestFiles.hashAll(charts));
    }
    return parts;
  }

  /** The error for a refusing plan, saying what to do. */
  public SandboxException refusal(String name, String stateRoot) {
    if (action == Action.REFUSE_FOREIGN) {
      return new SandboxException(
          "A sandbox named '"
              + name
              + "' already runs on this Docker engine, "
              + reason
              + " (this command uses "
              + stateRoot
              + "). Use that SANDBOX_HOME to reach it (if that folder is gone, as a killed test"
              + " run leaves it, `sandbox gc` removes what it left), or choose another name with"
              + " --name.");
    }
    return new SandboxException(
        "A sandbox named '"
            + name
            + "' already exists. Run `sandbox down --name "
            + name
            + "` first, or choose another name with --name.");
  }

  /**
   * Decides; see {@link Action} for the cases.
   *
   * @param parts the stack's {@link #parts}
   * @param services the ids of every registered backing service: their parts need new containers
   *     when they change, and their dead containers can be restarted alone
   */
  public static UpPlan decide(
      Map<String, String> parts, Set<String> services, boolean reuse, Observed observed) {
    if (observed.containers().isEmpty()) {
      return new UpPlan(Action.FRESH, List.of(), Set.of(), "nothing of it exists");
    }
    Optional<String> foreign = observed.foreignRoot();
    if (observed.stateParts().isEmpty() && foreign.isPresent()) {
      return new UpPlan(
          Action.REFUSE_FOREIGN,
          List.of(),
          Set.of(),
          "started with the state folder " + foreign.get());
    }
    if (observed.stateParts().isEmpty() || !observed.stateComplete()) {
      return new UpPlan(
          Action.REPLACE_INTERRUPTED,
          List.of(),
          Set.of(),
          "found an interrupted start (containers without a finished state)");
    }
    if (!reuse) {
      return new UpPlan(Action.REFUSE_EXISTS, List.of(), Set.of(), "it exists");
    }
    List<String> changed = Stack.changes(parts, observed.stateParts().get());
    List<String> stopped = new ArrayList<>();
    Set<String> dead = new LinkedHashSet<>();
    for (ContainerView container : observed.containers()) {
      if (!container.running()) {
        stopped.add(container.component() + " " + container.state());
        dead.add(container.component());
      }
    }
    boolean needsContainers =
        changed.stream()
            .anyMatch(part -> Stack.CONTAINER_PARTS.contains(part) || services.contains(part));
    if (stopped.isEmpty() && changed.isEmpty()) {
      return new UpPlan(
          Action.REUSE,
          changed,
          Set.of(),
          "reusing the running sandbox (stack and its files unchanged)");
    }
    if (stopped.isEmpty() && !needsContainers) {
      return new UpPlan(
          Action.APPLY_IN_PLACE,
          changed,
          Set.of(),
          "changed since it started: "
              + String.join(", ", changed)
              + " — applying to the running sandbox");
    }
    if (!needsContainers && !dead.contains("k3s") && services.containsAll(dead)) {
      return new UpPlan(
          Action.RESTART_SERVICES,
          changed,
          dead,
          "not all of its containers run ("
              + String.join(", ", stopped)
              + ") — restarting only those, on the same ports and data volumes");
    }
    return new UpPlan(
        Action.RECREATE_KEEP_DATA,
        changed,
        Set.of(),
        (stopped.isEmpty()
                ? "changed since it started: " + String.join(", ", changed)
                : "not all of its containers run (" + String.join(", ", stopped) + ")")
            + " — recreating the sandbox; data volumes are kept");
  }
}
