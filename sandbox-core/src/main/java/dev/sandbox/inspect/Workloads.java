package dev.sandbox.inspect;

import dev.sandbox.Sandbox;
import dev.sandbox.SandboxStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Lists the applications of a cluster (everything outside the system namespaces). */
public final class Workloads {

  private Workloads() {}

  public static List<SandboxStatus.Workload> list(KubernetesClient client) {
    return list(
        client.pods().inAnyNamespace().list().getItems(),
        client.apps().deployments().inAnyNamespace().list().getItems(),
        client.apps().statefulSets().inAnyNamespace().list().getItems(),
        client.apps().daemonSets().inAnyNamespace().list().getItems());
  }

  /**
   * The workloads of the given namespaces only: a sandbox on a shared cluster, whose kubeconfig may
   * act in its own namespaces and nowhere else.
   */
  public static List<SandboxStatus.Workload> list(
      KubernetesClient client, List<String> namespaces) {
    List<Pod> pods = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.apps.Deployment> deployments = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.apps.StatefulSet> statefulSets = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.apps.DaemonSet> daemonSets = new ArrayList<>();
    for (String namespace : namespaces) {
      pods.addAll(client.pods().inNamespace(namespace).list().getItems());
      deployments.addAll(client.apps().deployments().inNamespace(namespace).list().getItems());
      statefulSets.addAll(client.apps().statefulSets().inNamespace(namespace).list().getItems());
      daemonSets.addAll(client.apps().daemonSets().inNamespace(namespace).list().getItems());
    }
    return list(pods, deployments, statefulSets, daemonSets);
  }

  private static List<SandboxStatus.Workload> list(
      List<Pod> pods,
      List<io.fabric8.kubernetes.api.model.apps.Deployment> deployments,
      List<io.fabric8.kubernetes.api.model.apps.StatefulSet> statefulSets,
      List<io.fabric8.kubernetes.api.model.apps.DaemonSet> daemonSets) {
    List<SandboxStatus.Workload> result = new ArrayList<>();
    deployments.stream()
        .filter(d -> !Sandbox.SYSTEM_NAMESPACES.contains(d.getMetadata().getNamespace()))
        .forEach(
            d ->
                result.add(
                    new SandboxStatus.Workload(
                        "Deployment",
                        d.getMetadata().getNamespace(),
                        d.getMetadata().getName(),
                        value(d.getStatus() == null ? null : d.getStatus().getReadyReplicas()),
                        value(d.getSpec().getReplicas()),
                        restarts(
                            pods,
                            d.getMetadata().getNamespace(),
                            d.getSpec().getSelector().getMatchLabels()))));
    statefulSets.stream()
        .filter(s -> !Sandbox.SYSTEM_NAMESPACES.contains(s.getMetadata().getNamespace()))
        .forEach(
            s ->
                result.add(
                    new SandboxStatus.Workload(
                        "StatefulSet",
                        s.getMetadata().getNamespace(),
                        s.getMetadata().getName(),
                        value(s.getStatus() == null ? null : s.getStatus().getReadyReplicas()),
                        value(s.getSpec().getReplicas()),
                        restarts(
                            pods,
                            s.getMetadata().getNamespace(),
                            s.getSpec().getSelector().getMatchLabels()))));
    daemonSets.stream()
        .filter(d -> !Sandbox.SYSTEM_NAMESPACES.contains(d.getMetadata().getNamespace()))
        .forEach(
            d ->
                result.add(
                    new SandboxStatus.Workload(
                        "DaemonSet",
                        d.getMetadata().getNamespace(),
                        d.getMetadata().getName(),
                        value(d.getStatus() == null ? null : d.getStatus().getNumberReady()),
                        value(
                            d.getStatus() == null
                                ? null
                                : d.getStatus().getDesiredNumberScheduled()),
                        restarts(
                            pods,
                            d.getMetadata().getNamespace(),
                            d.getSpec().getSelector().getMatchLabels()))));
    return result;
  }

  private static int value(Integer value) {
    return value == null ? 0 : value;
  }

  private static int restarts(List<Pod> pods, String namespace, Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return 0;
    }
    return pods.stream()
        .filter(
            p ->
                namespace.equals(p.getMetadata().getNamespace())
                    && p.getMetadata().getLabels() != null
                    && p.getMetadata().getLabels().entrySet().containsAll(labels.entrySet()))
        .filter(p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null)
        .flatMap(p -> p.getStatus().getContainerStatuses().stream())
        .mapToInt(c -> value(c.getRestartCount()))
        .sum();
  }
}
