package dev.sandbox.service;

import java.util.Map;

/**
 * How production YAML finds a service ({@code displayName}, for messages) inside the cluster: a
 * selector-less {@code Service} named {@code serviceName} with {@code ports}, an {@code
 * EndpointSlice} pointing at {@code ip}, and a {@code Secret} named {@code secretName} holding
 * {@code secretData}. Internal.
 */
public record ClusterBinding(
    String displayName,
    String serviceName,
    String ip,
    Map<String, Integer> ports,
    String secretName,
    Map<String, String> secretData) {

  public ClusterBinding {
    ports = Map.copyOf(ports);
    secretData = Map.copyOf(secretData);
  }

  /** Secret data under the key names production reads: {@code keyNames} maps logical to real. */
  public static Map<String, String> rename(
      Map<String, String> logical, Map<String, String> keyNames) {
    Map<String, String> data = new java.util.LinkedHashMap<>();
    logical.forEach((key, value) -> data.put(keyNames.getOrDefault(key, key), value));
    return data;
  }
}
