package dev.sandbox.service;

import java.util.Map;

/**
 * How production YAML finds a service inside the cluster: a selector-less {@code Service} named
 * {@code serviceName} with {@code ports}, an {@code EndpointSlice} pointing at {@code ip}, and a
 * {@code Secret} named {@code secretName} holding {@code secretData}. Internal.
 */
public record ClusterBinding(
    String serviceName,
    String ip,
    Map<String, Integer> ports,
    String secretName,
    Map<String, String> secretData) {

  public ClusterBinding {
    ports = Map.copyOf(ports);
    secretData = Map.copyOf(secretData);
  }
}
