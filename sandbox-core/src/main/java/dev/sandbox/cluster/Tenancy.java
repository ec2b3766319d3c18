package dev.sandbox.cluster;

import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Who a sandbox on a shared cluster is, and which namespaces it owns there: every namespace the
 * manifests name (and {@code sandbox}, where its services run) becomes {@code <id>-<namespace>},
 * unless the stack maps it to a pre-created one. The id is the sandbox's name plus a short hash of
 * who started it from where (user, host, state folder), so two developers' {@code orders} sandboxes
 * — or two CI jobs on one machine with their own state folders — never meet. Internal.
 *
 * @param name the sandbox's name
 * @param id the name made unique on the cluster
 * @param owner who started it (user@host), for people reading labels
 * @param explicit manifest namespace to pre-created namespace
 */
public record Tenancy(String name, String id, String owner, Map<String, String> explicit) {

  /** Label every namespace and object of a sandbox carries: its id. */
  public static final String SANDBOX = "sandbox.dev/sandbox";

  /** Label: the sandbox's name. */
  public static final String NAME = "sandbox.dev/name";

  /** Label: who started it. */
  public static final String OWNER = "sandbox.dev/owner";

  /**
   * Label on namespaces the sandbox created (and so deletes); pre-created ones never carry it.
   * Namespaces a start created also carry {@code sandbox.dev/run} (an id of that start) and {@code
   * sandbox.dev/expires} (epoch seconds, or {@code while-its-process-lives}); gc reads the lease.
   */
  public static final String CREATED = "sandbox.dev/created";

  /** The manifest namespace standing for the services' own namespace. */
  public static final String SERVICES = "sandbox";

  public Tenancy {
    explicit = Map.copyOf(explicit);
  }

  /** The tenancy of {@code stack} started from state folder root {@code stateRoot}. */
  public static Tenancy of(Stack stack, String stateRoot) {
    String user = System.getProperty("user.name", "user");
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "localhost";
    }
    String owner = user + "@" + host;
    String id = stack.name() + "-" + Stack.shortHash(owner + ":" + stateRoot).substring(0, 5);
    return new Tenancy(stack.name(), id, owner, stack.target().namespaces());
  }

  /** Where the manifests' {@code namespace} goes on the cluster. */
  public String namespace(String namespace) {
    String mapped = explicit.get(namespace);
    if (mapped != null) {
      return mapped;
    }
    mapped = id + "-" + namespace;
    if (mapped.length() > 63) {
      throw new SandboxException(
          "Namespace '"
              + namespace
              + "' would become '"
              + mapped
              + "' on the cluster, longer than the 63 characters Kubernetes allows. Give it a"
              + " pre-created namespace under target.namespaces in the stack file, or use a shorter"
              + " sandbox name (--name).");
    }
    return mapped;
  }

  /** The namespace the sandbox's services (PostgreSQL, RabbitMQ) run in. */
  public String servicesNamespace() {
    return namespace(SERVICES);
  }

  /** Whether {@code clusterNamespace} was given pre-created (the sandbox never creates it). */
  public boolean precreated(String clusterNamespace) {
    return explicit.containsValue(clusterNamespace);
  }

  /** The labels of the sandbox's namespaces and objects. */
  public Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(SANDBOX, id);
    labels.put(NAME, name);
    labels.put(OWNER, labelValue(owner));
    labels.put("app.kubernetes.io/managed-by", "sandbox");
    return labels;
  }

  /** A label value: at most 63 of letters, digits, '-', '_' and '.', alphanumeric at both ends. */
  static String labelValue(String text) {
    String value = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_");
    if (value.length() > 63) {
      value = value.substring(0, 63);
    }
    return value.replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
  }
}
