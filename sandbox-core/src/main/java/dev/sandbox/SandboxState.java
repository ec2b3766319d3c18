package dev.sandbox;

import dev.sandbox.stack.Stack;
import java.time.Instant;
import java.util.Map;

/**
 * What a running sandbox left in its state folder ({@code ~/.sandbox/<name>/state.json}, readable
 * by the owner only) so that later processes — {@code sandbox status}, {@code env}, {@code down}, a
 * reusing test run — find it without guessing.
 *
 * @param name the sandbox name
 * @param stackHash hash of the effective stack it was started from
 * @param stackParts {@link Stack#fingerprint()} of that stack plus a hash of the files it applies
 *     ({@code manifest-files}), to tell what changed since
 * @param stackFile the stack file, or {@code embedded}
 * @param version the sandbox version that started it
 * @param createdAt when {@code up} finished
 * @param kubeconfig path of the kubeconfig file
 * @param apiServerPort published port of the Kubernetes API server on 127.0.0.1
 * @param containers component to container id
 * @param services service id to connection details ({@code host}, {@code port}, {@code username},
 *     {@code password}, ...); secrets, never print them unless asked
 * @param complete false while {@code up} is still deploying: a state left so by a killed process
 *     marks an interrupted start, which the next {@code up} replaces; null (state of an older
 *     version) counts as complete
 */
public record SandboxState(
    String name,
    String stackHash,
    Map<String, String> stackParts,
    String stackFile,
    String version,
    Instant createdAt,
    String kubeconfig,
    int apiServerPort,
    Map<String, String> containers,
    Map<String, Map<String, String>> services,
    Boolean complete) {

  public SandboxState {
    // state written by an older version has no fingerprint: every part then counts as changed
    stackParts = stackParts == null ? Map.of() : Map.copyOf(stackParts);
    containers = Map.copyOf(containers);
    services = Map.copyOf(services);
    complete = complete == null || complete;
  }

  /** False for the state of a start that has not finished (or was killed before it did). */
  public boolean isComplete() {
    return complete;
  }

  /** This state, marked as a finished start. */
  public SandboxState completed() {
    return new SandboxState(
        name,
        stackHash,
        stackParts,
        stackFile,
        version,
        Instant.now(),
        kubeconfig,
        apiServerPort,
        containers,
        services,
        true);
  }

  /** This state with one component's container and connection details replaced. */
  public SandboxState withComponent(
      String component, String containerId, Map<String, String> details) {
    Map<String, String> ids = new java.util.LinkedHashMap<>(containers);
    ids.put(component, containerId);
    Map<String, Map<String, String>> all = new java.util.LinkedHashMap<>(services);
    if (details != null) {
      all.put(component, details);
    }
    return new SandboxState(
        name,
        stackHash,
        stackParts,
        stackFile,
        version,
        createdAt,
        kubeconfig,
        apiServerPort,
        ids,
        all,
        complete);
  }

  /**
   * This state, recorded as running {@code stack} (whose parts, files included, are {@code parts})
   * from now on, after an in-place change.
   */
  public SandboxState withStack(Stack stack, Map<String, String> parts) {
    return new SandboxState(
        name,
        stack.hash(),
        parts,
        stack.source().map(Object::toString).orElse("embedded"),
        version,
        createdAt,
        kubeconfig,
        apiServerPort,
        containers,
        services,
        complete);
  }

  /**
   * Everything but the secrets: service details named like a secret ({@code password}, {@code
   * secret}, {@code token}) print as {@code ****}, and so does the password part of a URI ({@code
   * amqp://user:****@host}), so a state in an assertion message or a log line leaks nothing.
   */
  @Override
  public String toString() {
    Map<String, Map<String, String>> masked = new java.util.TreeMap<>();
    services.forEach(
        (service, details) -> {
          Map<String, String> safe = new java.util.TreeMap<>();
          details.forEach((key, value) -> safe.put(key, mask(key, value)));
          masked.put(service, safe);
        });
    return "SandboxState[name="
        + name
        + ", stackHash="
        + stackHash
        + ", stackParts="
        + stackParts
        + ", stackFile="
        + stackFile
        + ", version="
        + version
        + ", createdAt="
        + createdAt
        + ", kubeconfig="
        + kubeconfig
        + ", apiServerPort="
        + apiServerPort
        + ", containers="
        + containers
        + ", services="
        + masked
        + ", complete="
        + complete
        + "]";
  }

  private static final java.util.regex.Pattern SECRET_KEY =
      java.util.regex.Pattern.compile("(?i).*(password|passwd|secret|token|credential).*");
  private static final java.util.regex.Pattern URI_PASSWORD =
      java.util.regex.Pattern.compile("(://[^:/@\\s]*:)[^@/\\s]*@");

  private static String mask(String key, String value) {
    if (value == null) {
      return null;
    }
    if (SECRET_KEY.matcher(key).matches()) {
      return "****";
    }
    return URI_PASSWORD.matcher(value).replaceAll("$1****@");
  }
}
