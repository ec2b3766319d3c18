package dev.sandbox.cluster;

import dev.sandbox.SandboxException;
import dev.sandbox.poll.Poll;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.stack.ServiceSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sandbox's services on a cluster target: per service a StatefulSet (one replica, a persistent
 * volume, the generated credentials from a Secret, a readiness probe) and a Service in the
 * sandbox's services namespace, plus a NetworkPolicy that admits only the sandbox's own namespaces
 * to them — another tenant's pod cannot reach this sandbox's database. Internal.
 */
public final class InClusterServices {

  /** Pod label naming the service a pod runs. */
  static final String SERVICE = "sandbox.dev/service";

  static final String FIELD_MANAGER = "sandbox";

  private InClusterServices() {}

  /** One service to run: its spec, mapped image and credentials. */
  public record Wanted(
      BackingService service, ServiceSpec spec, String image, Credentials credentials) {}

  /**
   * The StatefulSet's and Service's name (in the services namespace) of a backing service: {@code
   * sandbox-<id>}, never a production Service name (the wiring creates those).
   */
  public static String serviceName(BackingService service) {
    return serviceName(service.id());
  }

  /** {@link #serviceName(BackingService)} by the service's id. */
  public static String serviceName(String id) {
    return "sandbox-" + id;
  }

  /**
   * The objects running {@code wanted} in {@code namespace}, reachable from {@code
   * sandboxNamespaces} only.
   */
  public static List<HasMetadata> objects(
      Tenancy tenancy, String namespace, Wanted wanted, Collection<String> sandboxNamespaces) {
    BackingService service = wanted.service();
    String name = serviceName(service);
    Map<String, String> labels = new LinkedHashMap<>(tenancy.labels());
    labels.put(SERVICE, service.id());
    Map<String, String> selector = Map.of(SERVICE, service.id(), Tenancy.SANDBOX, tenancy.id());
    BackingService.Workload workload =
        wanted.service().workload(wanted.spec(), wanted.credentials());
    String secretName = name + "-env";
    List<EnvVar> env = new ArrayList<>();
    workload
        .env()
        .keySet()
        .forEach(
            key ->
                env.add(
                    new EnvVarBuilder()
                        .withName(key)
                        .withNewValueFrom()
                        .withNewSecretKeyRef(key, secretName, false)
                        .endValueFrom()
                        .build()));
    List<ContainerPort> ports = new ArrayList<>();
    ServiceBuilder svc =
        new ServiceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withSelector(selector)
            .endSpec();
    for (int port : service.publishedPorts()) {
      ports.add(new ContainerPortBuilder().withContainerPort(port).withName("p" + port).build());
      svc.editSpec()
          .addToPorts(
              new ServicePortBuilder()
                  .withName("p" + port)
                  .withPort(port)
                  .withTargetPort(new IntOrString(port))
                  .build())
          .endSpec();
    }
    ProbeBuilder probe =
        new ProbeBuilder().withPeriodSeconds(2).withTimeoutSeconds(5).withFailureThreshold(3);
    if (workload.readinessCommand().isEmpty()) {
      probe
          .withNewTcpSocket()
          .withPort(new IntOrString(service.publishedPorts().get(0)))
          .endTcpSocket();
    } else {
      probe.withNewExec().withCommand(workload.readinessCommand()).endExec();
    }
    ContainerBuilder container =
        new ContainerBuilder()
            .withName(name)
            .withImage(wanted.image())
            .withImagePullPolicy("IfNotPresent")
            .withEnv(env)
            .withPorts(ports)
            .withReadinessProbe(probe.build())
            .addNewVolumeMount()
            .withName("data")
            .withMountPath(service.dataPath())
            .endVolumeMount();
    if (!workload.command().isEmpty()) {
      container.withCommand(workload.command());
    }
    StatefulSet statefulSet =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withServiceName(name)
            .withReplicas(1)
            .withNewSelector()
            .withMatchLabels(selector)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withEnableServiceLinks(false)
            .withTerminationGracePeriodSeconds(10L)
            .withContainers(container.build())
            .endSpec()
            .endTemplate()
            .addNewVolumeClaimTemplate()
            .withNewMetadata()
            .withName("data")
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadWriteOnce")
            .withNewResources()
            .addToRequests("storage", new Quantity("1Gi"))
            .endResources()
            .endSpec()
            .endVolumeClaimTemplate()
            .endSpec()
            .build();
    List<NetworkPolicyPeer> peers = new ArrayList<>();
    for (String ns : sandboxNamespaces) {
      peers.add(
          new NetworkPolicyPeerBuilder()
              .withNewNamespaceSelector()
              .addToMatchLabels(NamespaceMapping.NAMESPACE_NAME, ns)
              .endNamespaceSelector()
              .build());
    }
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(
        new SecretBuilder()
            .withNewMetadata()
            .withName(secretName)
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withStringData(workload.env())
            .build());
    objects.add(svc.build());
    objects.add(statefulSet);
    objects.add(
        new NetworkPolicyBuilder()
            .withNewMetadata()
            .withName(name + "-own-namespaces")
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withNewPodSelector()
            .withMatchLabels(selector)
            .endPodSelector()
            .withPolicyTypes("Ingress")
            .addNewIngress()
            .withFrom(peers)
            .endIngress()
            .endSpec()
            .build());
    return objects;
  }

  /** The binding production YAML sees: its Service name, resolving to the in-cluster Service. */
  public static ClusterBinding binding(Wanted wanted, String namespace) {
    return wanted
        .service()
        .binding(
            wanted.spec(),
            wanted.credentials(),
            serviceName(wanted.service()) + "." + namespace + ".svc.cluster.local");
  }

  /** Applies the objects of every service. */
  public static void apply(KubernetesClient client, List<HasMetadata> objects) {
    for (HasMetadata object : objects) {
      client.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }
  }

  /**
   * Waits until each service's pod is ready; on timeout says which is not and why (its container's
   * state and last log lines).
   */
  public static void awaitReady(
      KubernetesClient client, String namespace, List<Wanted> wanted, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    for (Wanted one : wanted) {
      String name = serviceName(one.service());
      Duration left = Duration.between(Instant.now(), deadline);
      Poll.until(
          one.service().displayName() + " in " + namespace,
          left.isNegative() ? Duration.ZERO : left,
          Duration.ofSeconds(1),
          seen -> {
            StatefulSet set =
                client.apps().statefulSets().inNamespace(namespace).withName(name).get();
            var status = set == null ? null : set.getStatus();
            // ready, and of the current revision: a re-up's rollout is not done while the old
            // pod still answers
            boolean ready =
                status != null
                    && status.getReadyReplicas() != null
                    && status.getReadyReplicas() >= 1
                    && (status.getUpdateRevision() == null
                        || status.getUpdateRevision().equals(status.getCurrentRevision()));
            return ready ? Boolean.TRUE : null;
          },
          last ->
              new SandboxException.ServiceStartup(
                  one.service().displayName()
                      + " (StatefulSet "
                      + namespace
                      + "/"
                      + name
                      + ", image "
                      + one.image()
                      + ") was not ready within "
                      + dev.sandbox.Durations.format(timeout)
                      + ": "
                      + why(client, namespace, name)
                      + ". Check that the cluster can pull the image (image-map in the stack"
                      + " file), has a default StorageClass for its volume, and that the"
                      + " namespace's Pod Security level and quota admit it (`kubectl get events"
                      + " -n "
                      + namespace
                      + "`).",
                  null));
    }
  }

  private static String why(KubernetesClient client, String namespace, String name) {
    Pod pod = client.pods().inNamespace(namespace).withName(name + "-0").get();
    if (pod == null) {
      return "its pod " + name + "-0 does not exist (see `kubectl describe statefulset`)";
    }
    StringBuilder why = new StringBuilder("pod " + name + "-0 is " + pod.getStatus().getPhase());
    if (pod.getStatus().getContainerStatuses() != null) {
      pod.getStatus()
          .getContainerStatuses()
          .forEach(
              status -> {
                var state = status.getState();
                if (state.getWaiting() != null) {
                  why.append(", waiting: ").append(state.getWaiting().getReason());
                  if (state.getWaiting().getMessage() != null) {
                    why.append(" (").append(state.getWaiting().getMessage()).append(')');
                  }
                }
              });
    }
    if (pod.getStatus().getConditions() != null) {
      pod.getStatus().getConditions().stream()
          .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
          .forEach(c -> why.append(", not scheduled: ").append(c.getMessage()));
    }
    try {
      String log =
          client.pods().inNamespace(namespace).withName(name + "-0").tailingLines(10).getLog();
      if (log != null && !log.isBlank()) {
        why.append("; last log lines:\n").append(log.strip());
      }
    } catch (RuntimeException e) {
      // no log yet
    }
    return why.toString();
  }
}
