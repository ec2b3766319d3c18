package dev.sandbox.engine;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.service.Registry;
import dev.sandbox.stack.Stack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How the cluster reaches the backing services of a running sandbox. Internal. */
public final class Services {

  private Services() {}

  /** How the cluster reaches a running sandbox's services: container addresses, credentials. */
  public static List<ClusterBinding> bindings(
      DockerClient docker, Stack stack, SandboxState state, Map<String, Credentials> credentials) {
    List<ClusterBinding> bindings = new ArrayList<>();
    for (BackingService service : Registry.enabledIn(stack)) {
      String id = state.containers().get(service.id());
      if (id == null) {
        throw new SandboxException(
            "The running sandbox '"
                + stack.name()
                + "' has no "
                + service.id()
                + " container, but the stack enables it. Run `sandbox down` and `sandbox up` to"
                + " start it.");
      }
      String ip =
          docker
              .inspectContainerCmd(id)
              .exec()
              .getNetworkSettings()
              .getNetworks()
              .get(LocalSlice.networkName(stack.name()))
              .getIpAddress();
      bindings.add(
          service.binding(
              stack.service(service.id()).orElseThrow(), credentials.get(service.id()), ip));
    }
    return bindings;
  }
}
