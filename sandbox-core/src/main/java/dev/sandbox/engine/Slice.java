package dev.sandbox.engine;

import dev.sandbox.service.ClusterBinding;
import java.util.List;
import java.util.Map;

/**
 * What runs where once the slice started: the cluster's node and API port, and for each component
 * its container and how the host reaches it. Internal.
 *
 * @param nodeId the k3s container
 * @param apiPort the Kubernetes API's port on 127.0.0.1
 * @param kubeconfigYaml the node's own kubeconfig (before it is renamed for this sandbox)
 * @param containers component to container id
 * @param details component to connection details for the host (secrets included)
 * @param bindings how the cluster reaches each backing service
 */
public record Slice(
    String nodeId,
    int apiPort,
    String kubeconfigYaml,
    Map<String, String> containers,
    Map<String, Map<String, String>> details,
    List<ClusterBinding> bindings) {

  public Slice {
    containers = Map.copyOf(containers);
    details = Map.copyOf(details);
    bindings = List.copyOf(bindings);
  }
}
