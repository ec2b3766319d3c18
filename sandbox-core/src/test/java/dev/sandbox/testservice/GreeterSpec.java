package dev.sandbox.testservice;

import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;

/** The stack's {@code services.greeter} section: what the greeter answers. */
public record GreeterSpec(
    boolean enabled, String version, String greeting, String serviceName, Stack.Secret secret)
    implements ServiceSpec {

  @Override
  public String image() {
    return "alpine:" + version;
  }

  @Override
  public String containerFingerprint() {
    return enabled + "|" + version + "|" + greeting;
  }
}
