package dev.sandbox;

import dev.sandbox.cluster.ClusterSandboxes;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The handle of a sandbox on a cluster target: the host reaches its services through port-forwards
 * on 127.0.0.1 that live as long as the handle, on the ports recorded at {@code up}. A recorded
 * port in use means, for a CLI sandbox, that {@code sandbox port-forward --services} holds it (the
 * endpoint stays as recorded); for a sandbox held by its process (tests, exec) a new port is taken
 * and the endpoints say which. A handle that holds the sandbox renews its lease while open.
 * Internal.
 */
final class ClusterHandle {

  private ClusterHandle() {}

  static Sandbox open(SandboxState state, String kubeconfig, Runnable down, boolean owned) {
    Path path = Path.of(state.kubeconfig());
    Map<String, String> target = state.services().get(ClusterFlow.STATE_KEY);
    String namespace = target.get("services-namespace");
    Sandbox forwarder = new Sandbox(state, kubeconfig, path, () -> {});
    boolean held = owned || ClusterFlow.HELD.equals(target.get("lease"));
    List<LocalPortForward> forwards = new ArrayList<>();
    Map<String, Map<String, String>> services = new LinkedHashMap<>();
    try {
      for (var service : state.services().entrySet()) {
        if (service.getKey().equals(ClusterFlow.STATE_KEY)) {
          services.put(service.getKey(), service.getValue());
          continue;
        }
        Map<String, String> details = new LinkedHashMap<>(service.getValue());
        for (var entry : service.getValue().entrySet()) {
          if (!entry.getKey().startsWith("published.")) {
            continue;
          }
          int inside = Integer.parseInt(entry.getKey().substring("published.".length()));
          String recorded = entry.getValue();
          String serviceName = dev.sandbox.cluster.InClusterServices.serviceName(service.getKey());
          LocalPortForward forward;
          if (free(Integer.parseInt(recorded))) {
            forward =
                forwarder.portForward(namespace, serviceName, inside, Integer.parseInt(recorded));
          } else if (!held) {
            // another process forwards it already (`sandbox port-forward --services`): the
            // recorded port is the one that answers
            continue;
          } else {
            forward = forwarder.portForward(namespace, serviceName, inside, 0);
            String now = String.valueOf(forward.getLocalPort());
            details.replaceAll(
                (key, value) ->
                    value.equals(recorded)
                        ? now
                        : value.replace("127.0.0.1:" + recorded, "127.0.0.1:" + now));
          }
          forwards.add(forward);
        }
        services.put(service.getKey(), details);
      }
    } catch (RuntimeException e) {
      closeAll(forwards);
      forwarder.close();
      throw e;
    }
    ScheduledExecutorService renewal = null;
    if (held) {
      renewal =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread thread = new Thread(r, "sandbox-lease-" + state.name());
                thread.setDaemon(true);
                return thread;
              });
      long every = ClusterSandboxes.RENEW_EVERY.toMillis();
      renewal.scheduleAtFixedRate(
          () -> ClusterSandboxes.renew(forwarder.client(), namespace),
          every,
          every,
          TimeUnit.MILLISECONDS);
    }
    ScheduledExecutorService renewing = renewal;
    SandboxState reachable =
        new SandboxState(
            state.name(),
            state.stackHash(),
            state.stackParts(),
            state.stackFile(),
            state.version(),
            state.createdAt(),
            state.kubeconfig(),
            state.apiServerPort(),
            state.containers(),
            services,
            state.complete());
    return new Sandbox(
        reachable,
        kubeconfig,
        path,
        () -> {
          if (renewing != null) {
            renewing.shutdownNow();
          }
          closeAll(forwards);
          forwarder.close();
          down.run();
        });
  }

  /** Whether {@code port} on 127.0.0.1 can be bound now. */
  private static boolean free(int port) {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void closeAll(List<LocalPortForward> forwards) {
    for (LocalPortForward forward : forwards) {
      try {
        forward.close();
      } catch (IOException e) {
        // it dies with the client anyway
      }
    }
  }
}
