package dev.sandbox.service;

import dev.sandbox.stack.Stack;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The backing services on the classpath, found once through {@link ServiceLoader}. */
public final class Registry {

  private static volatile List<BackingService> all;

  private Registry() {}

  /** Every registered service, in registration order. */
  public static List<BackingService> all() {
    List<BackingService> found = all;
    if (found == null) {
      found =
          ServiceLoader.load(BackingService.class, Registry.class.getClassLoader()).stream()
              .map(ServiceLoader.Provider::get)
              .toList();
      all = found;
    }
    return found;
  }

  /** The services {@code stack} runs, in registration order. */
  public static List<BackingService> enabledIn(Stack stack) {
    return all().stream().filter(s -> s.enabledIn(stack)).toList();
  }

  public static Optional<BackingService> byId(String id) {
    return all().stream().filter(s -> s.id().equals(id)).findFirst();
  }

  /** The service whose endpoint is {@code type}. */
  public static Optional<BackingService> forEndpoint(Class<?> type) {
    return all().stream().filter(s -> s.endpointType().equals(type)).findFirst();
  }
}
