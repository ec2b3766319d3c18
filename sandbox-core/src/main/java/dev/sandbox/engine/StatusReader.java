package dev.sandbox.engine;

import com.github.dockerjava.api.model.Container;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.SandboxStatus;
import dev.sandbox.docker.Labels;
import dev.sandbox.inspect.Drift;
import dev.sandbox.inspect.Selectors;
import dev.sandbox.inspect.Workloads;
import dev.sandbox.monitoring.MonitoringPack;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What {@code status} shows: the containers as Docker reports them and, when the node runs, the
 * workloads, firing alerts and findings (Services selecting no pods, drift); a dead API becomes a
 * message naming the component. Internal.
 */
public final class StatusReader {

  private StatusReader() {}

  public static SandboxStatus read(
      String name,
      List<Container> containers,
      Optional<SandboxState> state,
      Function<SandboxState, Sandbox> attach) {
    List<SandboxStatus.Component> components = new ArrayList<>();
    for (Container container : containers) {
      Map<Integer, Integer> ports = new TreeMap<>();
      if (container.getPorts() != null) {
        for (var port : container.getPorts()) {
          if (port.getPublicPort() != null && port.getPrivatePort() != null) {
            ports.put(port.getPrivatePort(), port.getPublicPort());
          }
        }
      }
      components.add(
          new SandboxStatus.Component(
              container.getLabels().getOrDefault(Labels.COMPONENT, "?"),
              container.getState(),
              container.getImage(),
              ports));
    }
    components.sort(Comparator.comparing(SandboxStatus.Component::name));
    List<SandboxStatus.Workload> workloads = new ArrayList<>();
    List<SandboxStatus.Alert> alerts = new ArrayList<>();
    List<String> findings = new ArrayList<>();
    List<SandboxStatus.Entrypoint> entrypoints = new ArrayList<>();
    String clusterError = null;
    boolean nodeRuns =
        components.stream().anyMatch(c -> c.name().equals("k3s") && c.state().equals("running"));
    if (state.isPresent() && nodeRuns) {
      try (Sandbox sandbox = attach.apply(state.get())) {
        workloads.addAll(Workloads.list(sandbox.client()));
        findings.addAll(Selectors.unmatched(sandbox.client()));
        findings.addAll(Drift.find(sandbox.client()));
        entrypoints.addAll(sandbox.entrypoints());
        boolean monitored =
            sandbox
                    .client()
                    .services()
                    .inNamespace(MonitoringPack.NAMESPACE)
                    .withName(MonitoringPack.SERVICE)
                    .get()
                != null;
        if (monitored) {
          alerts.addAll(sandbox.prometheus().alerts());
        }
      } catch (RuntimeException e) {
        clusterError =
            "the Kubernetes API of the k3s container does not answer ("
                + SandboxException.describe(e)
                + "). Run `sandbox logs k3s`; `sandbox up` recreates a dead node keeping the data.";
      }
    }
    return new SandboxStatus(
        name, components, workloads, alerts, clusterError, findings, entrypoints);
  }
}
