package dev.sandbox;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of a sandbox for {@code sandbox status}.
 *
 * @param name the sandbox
 * @param components its containers
 * @param workloads the applications running in its cluster (empty when the cluster is unreachable)
 * @param alerts pending and firing alerts of the monitoring pack's Prometheus (empty without it)
 * @param clusterError why workloads could not be read, or null
 * @param findings what is wrong although everything runs: Services selecting no pods, objects
 *     changed by hand since the sandbox applied them (drift)
 */
public record SandboxStatus(
    String name,
    List<Component> components,
    List<Workload> workloads,
    List<Alert> alerts,
    String clusterError,
    List<String> findings,
    List<Entrypoint> entrypoints) {

  public SandboxStatus {
    components = List.copyOf(components);
    workloads = List.copyOf(workloads);
    alerts = List.copyOf(alerts);
    findings = List.copyOf(findings);
    entrypoints = List.copyOf(entrypoints);
  }

  /** A status without entry points. */
  public SandboxStatus(
      String name,
      List<Component> components,
      List<Workload> workloads,
      List<Alert> alerts,
      String clusterError,
      List<String> findings) {
    this(name, components, workloads, alerts, clusterError, findings, List.of());
  }

  /** A status without findings. */
  public SandboxStatus(
      String name,
      List<Component> components,
      List<Workload> workloads,
      List<Alert> alerts,
      String clusterError) {
    this(name, components, workloads, alerts, clusterError, List.of());
  }

  /** True when every container runs. */
  public boolean running() {
    return !components.isEmpty() && components.stream().allMatch(c -> c.state().equals("running"));
  }

  /**
   * One container.
   *
   * @param name component (k3s, postgres, rabbitmq)
   * @param state Docker's state (running, exited, ...)
   * @param image the image it runs
   * @param ports container port to host port on 127.0.0.1
   */
  public record Component(String name, String state, String image, Map<Integer, Integer> ports) {
    public Component {
      ports = Map.copyOf(ports);
    }
  }

  /**
   * One workload.
   *
   * @param kind Deployment, StatefulSet, DaemonSet
   * @param namespace its namespace
   * @param name its name
   * @param ready ready replicas
   * @param desired desired replicas
   * @param restarts container restarts over its pods
   */
  public record Workload(
      String kind, String namespace, String name, int ready, int desired, int restarts) {}

  /** A firing or pending alert of the monitoring pack's Prometheus. */
  public record Alert(String name, String state, Map<String, String> labels) {}

  /**
   * A way in from the host: an Ingress or HTTPRoute rule, or a LoadBalancer Service port.
   *
   * @param kind Ingress, HTTPRoute or LoadBalancer
   * @param namespace the object's namespace
   * @param name the object's name
   * @param route {@code host/path} for a route ({@code *} for any host), {@code port/protocol} for
   *     a LoadBalancer
   * @param reach how the host reaches it ({@code curl ...}, {@code 127.0.0.1:port}) or why not
   * @param address {@code 127.0.0.1:port} it answers on, or null when the host cannot reach it
   */
  public record Entrypoint(
      String kind, String namespace, String name, String route, String reach, String address) {}
}
