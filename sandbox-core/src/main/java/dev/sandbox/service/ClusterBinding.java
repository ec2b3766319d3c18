package dev.sandbox.service;

import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How production YAML finds a service ({@code displayName}, for messages) inside the cluster: a
 * selector-less {@code Service} named {@code serviceName} with {@code ports}, an {@code
 * EndpointSlice} pointing at {@code ip}, and a {@code Secret} named {@code secretName} of type
 * {@code secretType} holding {@code secretData}. Internal.
 */
public record ClusterBinding(
    String displayName,
    String serviceName,
    String ip,
    Map<String, Integer> ports,
    String secretName,
    String secretType,
    Map<String, String> secretData) {

  public ClusterBinding {
    ports = Map.copyOf(ports);
    secretData = Map.copyOf(secretData);
  }

  /** An {@code Opaque} Secret's binding. */
  public ClusterBinding(
      String displayName,
      String serviceName,
      String ip,
      Map<String, Integer> ports,
      String secretName,
      Map<String, String> secretData) {
    this(displayName, serviceName, ip, ports, secretName, Stack.Secret.OPAQUE, secretData);
  }

  /**
   * The binding a service's section asks for: its Service name, and its Secret with the {@code
   * logical} values under the key names production reads, the fixed entries and the type.
   */
  public static ClusterBinding of(
      String displayName,
      ServiceSpec spec,
      String ip,
      Map<String, Integer> ports,
      Map<String, String> logical) {
    Stack.Secret secret = spec.secret();
    Map<String, String> data = new LinkedHashMap<>();
    logical.forEach((key, value) -> data.put(secret.keys().getOrDefault(key, key), value));
    data.putAll(secret.entries());
    return new ClusterBinding(
        displayName, spec.serviceName(), ip, ports, secret.name(), secret.type(), data);
  }
}
