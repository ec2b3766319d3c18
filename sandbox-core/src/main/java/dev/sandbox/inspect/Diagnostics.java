package dev.sandbox.inspect;

import dev.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Writes what helps explain a failed test: events, pod descriptions, last log lines, and findings
 * (Services selecting no pods, objects changed by hand since the sandbox applied them).
 */
public final class Diagnostics {

  private Diagnostics() {}

  public static void write(KubernetesClient client, Optional<String> namespace, Path folder) {
    write(
        client,
        namespace
            .map(List::of)
            .orElseGet(
                () ->
                    client.namespaces().list().getItems().stream()
                        .map(Namespace::getMetadata)
                        .map(m -> m.getName())
                        .filter(n -> !Sandbox.SYSTEM_NAMESPACES.contains(n))
                        .toList()),
        folder,
        true);
  }

  /**
   * As {@link #write(KubernetesClient, Optional, Path)} for the given namespaces only; without
   * {@code clusterFindings} the cluster-wide findings (selectors, drift) are left out — on a shared
   * cluster they would read other tenants' objects.
   */
  public static void write(
      KubernetesClient client, List<String> namespaces, Path folder, boolean clusterFindings) {
    try {
      Files.createDirectories(folder.resolve("logs"));
      StringBuilder events = new StringBuilder();
      StringBuilder pods = new StringBuilder();
      for (String ns : namespaces) {
        List<Event> list = new ArrayList<>(client.v1().events().inNamespace(ns).list().getItems());
        list.sort(
            Comparator.comparing(e -> e.getLastTimestamp() == null ? "" : e.getLastTimestamp()));
        for (Event e : list) {
          events.append(
              String.format(
                  "%s %s %s %s/%s: %s%n",
                  e.getLastTimestamp(),
                  ns,
                  e.getType(),
                  e.getInvolvedObject().getKind(),
                  e.getInvolvedObject().getName(),
                  e.getMessage()));
        }
        for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
          pods.append("# ")
              .append(ns)
              .append('/')
              .append(pod.getMetadata().getName())
              .append('\n')
              .append(client.getKubernetesSerialization().asYaml(pod.getStatus()))
              .append('\n');
          if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
              String log;
              try {
                log =
                    client
                        .pods()
                        .inNamespace(ns)
                        .withName(pod.getMetadata().getName())
                        .inContainer(status.getName())
                        .tailingLines(200)
                        .getLog();
              } catch (KubernetesClientException e) {
                log = "(no log: " + e.getMessage() + ")";
              }
              Files.writeString(
                  folder
                      .resolve("logs")
                      .resolve(
                          ns + "_" + pod.getMetadata().getName() + "_" + status.getName() + ".log"),
                  log == null ? "" : log);
            }
          }
        }
      }
      Files.writeString(folder.resolve("events.txt"), events.toString());
      List<String> findings = new ArrayList<>();
      if (clusterFindings) {
        findings.addAll(Selectors.unmatched(client));
        findings.addAll(Drift.find(client));
      }
      Files.writeString(
          folder.resolve("findings.txt"),
          findings.isEmpty() ? "" : String.join("\n", findings) + "\n");
      Files.writeString(folder.resolve("pods.yaml"), pods.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
