package dev.sandbox.k3s;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Waits until the cluster and the applied workloads are ready, and explains why when they are not:
 * the workload, the failing pod, its container state reason, the last log lines and recent events.
 * Internal.
 */
public final class Readiness {

  static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet", "Job");

  private Readiness() {}

  /**
   * The cluster is usable when its node is Ready and kube-system's CoreDNS has rolled out (k3s logs
   * the line Testcontainers waits for earlier than that). Both are judged by what happened since
   * the node's container started at {@code bootedAt}: a node booted from a snapshot finds the Ready
   * condition and CoreDNS's status of the cluster the snapshot was taken from, which say nothing
   * about this one.
   */
  public static void awaitCluster(KubernetesClient client, Duration timeout, Instant bootedAt) {
    Instant deadline = Instant.now().plus(timeout);
    // the API server's timestamps have whole seconds
    Instant since = bootedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    try {
      client
          .nodes()
          .waitUntilCondition(
              node -> nodeReady(node, since), remaining(deadline), TimeUnit.MILLISECONDS);
      dev.sandbox.poll.Poll.until(
          "CoreDNS",
          Duration.between(Instant.now(), deadline),
          Duration.ofMillis(200),
          seen -> coreDnsServes(client, since, seen) ? Boolean.TRUE : null,
          last -> new SandboxException.ServiceStartup(clusterNotReady(timeout, last), null));
    } catch (KubernetesClientTimeoutException e) {
      throw new SandboxException.ServiceStartup(clusterNotReady(timeout, "node not Ready"), e);
    }
  }

  /**
   * Waits until the API server says it is ready ({@code /readyz}): a node booted from a cluster
   * snapshot answers there seconds before it is Ready, and objects can be written from then on.
   */
  public static void awaitApi(KubernetesClient client, Duration timeout) {
    String readyz;
    try {
      readyz = client.getMasterUrl().toURI().resolve("/readyz").toString();
    } catch (java.net.URISyntaxException e) {
      throw new SandboxException("The cluster's API address is not a URL: " + e.getMessage(), e);
    }
    dev.sandbox.poll.Poll.until(
        "the API server",
        timeout,
        Duration.ofMillis(200),
        seen -> {
          try {
            String answer = client.raw(readyz);
            seen.is("/readyz answered " + answer);
            return answer != null && answer.strip().equals("ok") ? Boolean.TRUE : null;
          } catch (KubernetesClientException e) {
            seen.is("the API server: " + e.getMessage());
            return null;
          }
        },
        last ->
            new SandboxException.ServiceStartup(
                "The k3s API server was not ready within "
                    + timeout.toSeconds()
                    + " s (last seen: "
                    + last
                    + "). Run `sandbox logs` or `docker logs` on the k3s container, or raise"
                    + " readiness.timeout.",
                null));
  }

  /**
   * Waits until every CustomResourceDefinition is established, at most {@code timeout}: a cluster
   * snapshot taken while k3s installs its add-ons' CRDs (Traefik's, the Gateway API's) would keep
   * one half-installed ({@code Established=False, reason Installing}), and no API server booted
   * from it ever finishes it.
   *
   * @return true when they are (or there are none), false when one still was not at the end
   */
  public static boolean crdsEstablished(KubernetesClient client, Duration timeout) {
    try {
      return dev.sandbox.poll.Poll.until(
          "the cluster's CRDs",
          timeout,
          Duration.ofMillis(200),
          seen -> allEstablished(client) ? Boolean.TRUE : null,
          last -> new NotEstablished());
    } catch (NotEstablished e) {
      return false;
    }
  }

  private static final class NotEstablished extends RuntimeException {
    NotEstablished() {
      super(null, null, false, false);
    }
  }

  private static boolean allEstablished(KubernetesClient client) {
    try {
      return client.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
          .allMatch(
              crd ->
                  crd.getStatus() != null
                      && crd.getStatus().getConditions() != null
                      && crd.getStatus().getConditions().stream()
                          .anyMatch(
                              c ->
                                  "Established".equals(c.getType())
                                      && "True".equals(c.getStatus())));
    } catch (KubernetesClientException e) {
      return false; // asked again until the deadline
    }
  }

  private static String clusterNotReady(Duration timeout, String last) {
    return "The k3s cluster was not ready within "
        + timeout.toSeconds()
        + " s (node Ready and CoreDNS available; last seen: "
        + last
        + "). Run `sandbox logs` or `docker logs` on the k3s container, or raise"
        + " readiness.timeout.";
  }

  private static boolean nodeReady(Node node, Instant since) {
    return node != null
        && node.getStatus() != null
        && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    "Ready".equals(c.getType())
                        && "True".equals(c.getStatus())
                        && notBefore(c.getLastHeartbeatTime(), since));
  }

  /** A CoreDNS pod whose containers all started on this boot and are ready. */
  private static boolean coreDnsServes(
      KubernetesClient client, Instant since, dev.sandbox.poll.Poll.Seen seen) {
    List<Pod> pods;
    try {
      pods =
          client
              .pods()
              .inNamespace("kube-system")
              .withLabel("k8s-app", "kube-dns")
              .list()
              .getItems();
    } catch (KubernetesClientException e) {
      seen.is("the API server: " + e.getMessage());
      return false;
    }
    seen.is(pods.isEmpty() ? "no CoreDNS pod yet" : "CoreDNS not ready yet");
    return pods.stream()
        .anyMatch(
            pod ->
                pod.getStatus() != null
                    && pod.getStatus().getContainerStatuses() != null
                    && !pod.getStatus().getContainerStatuses().isEmpty()
                    && pod.getStatus().getContainerStatuses().stream()
                        .allMatch(
                            c ->
                                Boolean.TRUE.equals(c.getReady())
                                    && c.getState() != null
                                    && c.getState().getRunning() != null
                                    && notBefore(c.getState().getRunning().getStartedAt(), since)));
  }

  private static boolean notBefore(String timestamp, Instant since) {
    if (timestamp == null) {
      return false;
    }
    try {
      return !Instant.parse(timestamp).isBefore(since);
    } catch (java.time.format.DateTimeParseException e) {
      return false;
    }
  }

  private static long remaining(Instant deadline) {
    return Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
  }

  /**
   * Waits for every Deployment, StatefulSet and DaemonSet to roll out and every Job to complete.
   */
  public static void awaitWorkloads(
      KubernetesClient client,
      List<Manifest> manifests,
      Duration timeout,
      ProgressListener listener) {
    Instant deadline = Instant.now().plus(timeout);
    for (Manifest manifest : manifests) {
      if (!WORKLOADS.contains(manifest.kind())) {
        continue;
      }
      String component = manifest.displayName();
      Instant started = Instant.now();
      listener.onEvent(ProgressListener.Event.started(component, "waiting"));
      String namespace =
          manifest.namespace() == null ? client.getNamespace() : manifest.namespace();
      var resource =
          client
              .genericKubernetesResources(manifest.resource().getApiVersion(), manifest.kind())
              .inNamespace(namespace)
              .withName(manifest.name());
      try {
        resource.waitUntilCondition(
            r -> {
              if (r != null && replicaFailure(r) != null) {
                // e.g. Pod Security rejected every pod: waiting longer cannot help
                throw new SandboxException.ServiceStartup(replicaFailure(r), null);
              }
              if (r != null && manifest.kind().equals("Job") && jobFailed(r)) {
                throw new SandboxException.ServiceStartup("Job failed", null);
              }
              return r != null && ready(r);
            },
            remaining(deadline),
            TimeUnit.MILLISECONDS);
        listener.onEvent(
            ProgressListener.Event.done(
                component, "ready", Duration.between(started, Instant.now())));
      } catch (SandboxException.ServiceStartup | KubernetesClientException e) {
        String diagnosis = diagnose(client, namespace, resource.get());
        listener.onEvent(
            ProgressListener.Event.failed(
                component, "not ready", Duration.between(started, Instant.now())));
        String why =
            e instanceof SandboxException.ServiceStartup early && early.getCause() == null
                ? ") cannot become ready: " + early.getMessage() + "\n"
                : ") was not ready within " + timeout.toSeconds() + " s.\n";
        throw new SandboxException.ServiceStartup(
            component
                + " (from "
                + manifest.source()
                + why
                + diagnosis
                + "\nFix the manifest or image, then run `sandbox apply`; or raise readiness.timeout.",
            e);
      }
    }
  }

  @SuppressWarnings("unchecked")
  static boolean ready(GenericKubernetesResource r) {
    Map<String, Object> spec =
        (Map<String, Object>) r.getAdditionalProperties().getOrDefault("spec", Map.of());
    Map<String, Object> status =
        (Map<String, Object>) r.getAdditionalProperties().getOrDefault("status", Map.of());
    long generation = r.getMetadata().getGeneration() == null ? 0 : r.getMetadata().getGeneration();
    long observed = number(status, "observedGeneration");
    return switch (r.getKind()) {
      case "Deployment" -> {
        long replicas = spec.containsKey("replicas") ? number(spec, "replicas") : 1;
        yield observed >= generation
            && number(status, "updatedReplicas") >= replicas
            && number(status, "availableReplicas") >= replicas
            && number(status, "replicas") == replicas;
      }
      case "StatefulSet" -> {
        long replicas = spec.containsKey("replicas") ? number(spec, "replicas") : 1;
        yield observed >= generation
            && number(status, "readyReplicas") >= replicas
            && number(status, "updatedReplicas") >= replicas;
      }
      case "DaemonSet" ->
          observed >= generation
              && number(status, "desiredNumberScheduled") > 0
              && number(status, "numberReady") >= number(status, "desiredNumberScheduled")
              && number(status, "updatedNumberScheduled")
                  >= number(status, "desiredNumberScheduled");
      case "Job" ->
          number(status, "succeeded")
              >= (spec.containsKey("completions") ? number(spec, "completions") : 1);
      default -> true;
    };
  }

  @SuppressWarnings("unchecked")
  private static boolean jobFailed(GenericKubernetesResource r) {
    Map<String, Object> status =
        (Map<String, Object>) r.getAdditionalProperties().getOrDefault("status", Map.of());
    if (status.get("conditions") instanceof List<?> conditions) {
      return conditions.stream()
          .anyMatch(
              c ->
                  c instanceof Map<?, ?> m
                      && "Failed".equals(m.get("type"))
                      && "True".equals(m.get("status")));
    }
    return false;
  }

  /** The message of a Deployment's ReplicaFailure condition, or null. */
  @SuppressWarnings("unchecked")
  static String replicaFailure(GenericKubernetesResource r) {
    Map<String, Object> status =
        (Map<String, Object>) r.getAdditionalProperties().getOrDefault("status", Map.of());
    if (status.get("conditions") instanceof List<?> conditions) {
      for (Object condition : conditions) {
        if (condition instanceof Map<?, ?> c
            && "ReplicaFailure".equals(c.get("type"))
            && "True".equals(c.get("status"))) {
          return String.valueOf(c.get("message"));
        }
      }
    }
    return null;
  }

  private static long number(Map<String, Object> map, String key) {
    return map.get(key) instanceof Number n ? n.longValue() : 0;
  }

  /** Log lines read from a failing container: enough to hold a JVM's stack trace and causes. */
  private static final int LOG_LINES = 400;

  /**
   * Pods of the workload that are not ready, with reason, the exception and its causes a JVM died
   * of (else the last log lines) and recent events.
   */
  @SuppressWarnings("unchecked")
  public static String diagnose(
      KubernetesClient client, String namespace, GenericKubernetesResource workload) {
    if (workload == null) {
      return "  the object no longer exists.";
    }
    Map<String, Object> spec =
        (Map<String, Object>) workload.getAdditionalProperties().getOrDefault("spec", Map.of());
    Map<String, String> matchLabels = Map.of();
    if (spec.get("selector") instanceof Map<?, ?> selector
        && selector.get("matchLabels") instanceof Map<?, ?> labels) {
      matchLabels = (Map<String, String>) labels;
    } else if ("Job".equals(workload.getKind())) {
      matchLabels = Map.of("job-name", workload.getMetadata().getName());
    }
    List<Pod> pods = client.pods().inNamespace(namespace).withLabels(matchLabels).list().getItems();
    StringBuilder text = new StringBuilder();
    if (pods.isEmpty()) {
      text.append("  no pods were created.");
      appendEvents(text, client, namespace, workload.getMetadata().getName());
      return text.toString();
    }
    for (Pod pod : pods) {
      if (podReady(pod)) {
        continue;
      }
      String podName = pod.getMetadata().getName();
      text.append("  pod ").append(podName).append(": ").append(reason(pod)).append('\n');
      for (ContainerStatus status : containerStatuses(pod)) {
        try {
          String log =
              client
                  .pods()
                  .inNamespace(namespace)
                  .withName(podName)
                  .inContainer(status.getName())
                  .tailingLines(LOG_LINES)
                  .getLog();
          if (log != null && !log.isBlank()) {
            List<String> cause = LogCause.exception(log);
            if (!cause.isEmpty()) {
              text.append("    the exception ").append(status.getName()).append(" failed with:\n");
              cause.forEach(line -> text.append("      ").append(line).append('\n'));
            } else {
              text.append("    last log lines of ").append(status.getName()).append(":\n");
              log.lines()
                  .skip(Math.max(0, log.lines().count() - 10))
                  .forEach(line -> text.append("      ").append(line).append('\n'));
            }
          }
        } catch (KubernetesClientException e) {
          // no logs yet (the container never started): the reason above says why
        }
      }
      appendEvents(text, client, namespace, podName);
    }
    return text.toString().stripTrailing();
  }

  private static void appendEvents(
      StringBuilder text, KubernetesClient client, String namespace, String name) {
    List<Event> events =
        new ArrayList<>(
            client.v1().events().inNamespace(namespace).list().getItems().stream()
                // the workload's own events and those of what it owns (its ReplicaSets, its pods)
                .filter(
                    e ->
                        e.getInvolvedObject() != null
                            && e.getInvolvedObject().getName() != null
                            && e.getInvolvedObject().getName().startsWith(name))
                .toList());
    events.sort(
        Comparator.comparing(e -> e.getLastTimestamp() == null ? "" : e.getLastTimestamp()));
    if (!events.isEmpty()) {
      text.append("    recent events:\n");
      events.stream()
          .skip(Math.max(0, events.size() - 5))
          .forEach(
              e ->
                  text.append("      ")
                      .append(e.getType())
                      .append(' ')
                      .append(e.getReason())
                      .append(": ")
                      .append(e.getMessage())
                      .append('\n'));
    }
  }

  private static boolean podReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<ContainerStatus> containerStatuses(Pod pod) {
    List<ContainerStatus> all = new ArrayList<>();
    if (pod.getStatus() != null) {
      if (pod.getStatus().getInitContainerStatuses() != null) {
        all.addAll(pod.getStatus().getInitContainerStatuses());
      }
      if (pod.getStatus().getContainerStatuses() != null) {
        all.addAll(pod.getStatus().getContainerStatuses());
      }
    }
    return all;
  }

  /** ImagePullBackOff, CrashLoopBackOff, Unschedulable, ... with the message. */
  static String reason(Pod pod) {
    for (ContainerStatus status : containerStatuses(pod)) {
      if (status.getState() != null && status.getState().getWaiting() != null) {
        var waiting = status.getState().getWaiting();
        return waiting.getReason()
            + " (container "
            + status.getName()
            + ")"
            + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage());
      }
      if (status.getState() != null && status.getState().getTerminated() != null) {
        var terminated = status.getState().getTerminated();
        return "Terminated: "
            + terminated.getReason()
            + ", exit code "
            + terminated.getExitCode()
            + " (container "
            + status.getName()
            + ")";
      }
      if (status.getLastState() != null && status.getLastState().getTerminated() != null) {
        var last = status.getLastState().getTerminated();
        return "restarting, last exit "
            + last.getReason()
            + " code "
            + last.getExitCode()
            + " (container "
            + status.getName()
            + ")";
      }
    }
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition condition : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())) {
          return condition.getReason() + ": " + condition.getMessage();
        }
      }
      for (PodCondition condition : pod.getStatus().getConditions()) {
        if ("False".equals(condition.getStatus())) {
          return condition.getType()
              + " is False"
              + (condition.getReason() == null ? "" : " (" + condition.getReason() + ")")
              + (condition.getMessage() == null ? "" : ": " + condition.getMessage());
        }
      }
    }
    return "phase " + (pod.getStatus() == null ? "unknown" : pod.getStatus().getPhase());
  }
}
