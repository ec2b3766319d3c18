package dev.sandbox.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sandboxes on a shared cluster, found by their leases: each keeps a {@code Lease} named {@code
 * sandbox} in its services namespace, listing its namespaces and the kinds it applied. While its
 * owner lives the lease is renewed — every {@code up} for a CLI sandbox (which lives for the
 * stack's {@code target.expiry}), every few seconds for a test run or {@code exec} (a minute
 * without renewal and it has expired). An expired sandbox is garbage: {@link #remove} deletes the
 * namespaces it created and, in namespaces it was given, every object carrying its label. Internal.
 */
public final class ClusterSandboxes {

  /** The lease's name, in the sandbox's services namespace. */
  public static final String LEASE = "sandbox";

  static final String NAMESPACES = "sandbox.dev/namespaces";
  static final String KINDS = "sandbox.dev/kinds";

  /** How long a lease held by a living process lasts without renewal. */
  public static final Duration HELD = Duration.ofSeconds(60);

  /** Slack for clocks that disagree between the lease's owner and whoever runs gc. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  /** How often a living process renews it. */
  public static final Duration RENEW_EVERY = Duration.ofSeconds(15);

  private ClusterSandboxes() {}

  /**
   * A sandbox as its lease describes it.
   *
   * @param id its id ({@link Tenancy#id})
   * @param name its name
   * @param owner who started it
   * @param leaseNamespace where its lease lives
   * @param renewed when the lease was last renewed
   * @param duration how long it holds without renewal
   * @param namespaces its cluster namespaces
   * @param kinds {@code apiVersion/Kind} of what it applied, for namespaces it was given
   */
  public record Found(
      String id,
      String name,
      String owner,
      String leaseNamespace,
      Instant renewed,
      Duration duration,
      List<String> namespaces,
      List<String> kinds) {

    public Instant expires() {
      return renewed.plus(duration);
    }

    /**
     * Expired, with {@link #CLOCK_SKEW} of slack: the renewal time is the owner's clock, compared
     * with this machine's.
     */
    public boolean expired(Instant now) {
      return now.isAfter(expires().plus(CLOCK_SKEW));
    }
  }

  /**
   * Refuses to start when the services namespace already holds another sandbox's lease (two
   * sandboxes given the same pre-created namespaces): the second would take the first's objects
   * over, and the first one's down would remove the second's.
   */
  public static void refuseOthers(KubernetesClient client, Tenancy tenancy) {
    Lease lease;
    try {
      lease = client.leases().inNamespace(tenancy.servicesNamespace()).withName(LEASE).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403 || e.getCode() == 404) {
        return; // nothing there, or nothing this kubeconfig can see (hold says so if it matters)
      }
      throw e;
    }
    if (lease == null) {
      return;
    }
    Found other = describe(lease);
    if (!tenancy.id().equals(other.id())) {
      throw new dev.sandbox.SandboxException(
          "Namespace "
              + tenancy.servicesNamespace()
              + " already holds sandbox "
              + other.id()
              + " (started by "
              + other.owner()
              + (other.expired(Instant.now())
                  ? "; its lease expired: `sandbox gc --context <context>` removes it"
                  : "; it is alive")
              + "). Give this sandbox namespaces of its own under target.namespaces, or let it"
              + " create them.");
    }
  }

  /**
   * Writes (or renews) the lease of a sandbox holding {@code namespaces}. On an existing lease the
   * namespaces and kinds are added to those it lists (a namespace dropped from the manifests stays
   * the sandbox's until it is removed), and a longer duration is kept: a re-up of a CLI sandbox
   * never shortens its life.
   */
  public static void hold(
      KubernetesClient client,
      Tenancy tenancy,
      Collection<String> namespaces,
      Collection<String> kinds,
      Duration duration) {
    Set<String> allNamespaces = new LinkedHashSet<>();
    Set<String> allKinds = new LinkedHashSet<>();
    Duration keep = duration;
    Lease existing = null;
    try {
      existing = client.leases().inNamespace(tenancy.servicesNamespace()).withName(LEASE).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 403) {
        throw e;
      }
    }
    if (existing != null) {
      Found before = describe(existing);
      allNamespaces.addAll(before.namespaces());
      allKinds.addAll(before.kinds());
      if (before.duration().compareTo(keep) > 0) {
        keep = before.duration();
      }
    }
    allNamespaces.addAll(namespaces);
    allKinds.addAll(kinds);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(NAMESPACES, String.join(",", allNamespaces));
    annotations.put(KINDS, String.join(",", allKinds));
    duration = keep;
    Lease lease =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(LEASE)
            .withNamespace(tenancy.servicesNamespace())
            .withLabels(tenancy.labels())
            .withAnnotations(annotations)
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(tenancy.owner())
            .withLeaseDurationSeconds((int) Math.min(Integer.MAX_VALUE, duration.toSeconds()))
            .withRenewTime(java.time.ZonedDateTime.now(ZoneOffset.UTC))
            .endSpec()
            .build();
    client.resource(lease).fieldManager("sandbox").forceConflicts().serverSideApply();
  }

  /** Renews a held lease's time; false when it is gone (removed by gc or down). */
  public static boolean renew(KubernetesClient client, String namespace) {
    try {
      Lease lease =
          client
              .leases()
              .inNamespace(namespace)
              .withName(LEASE)
              .edit(
                  l -> {
                    l.getSpec().setRenewTime(java.time.ZonedDateTime.now(ZoneOffset.UTC));
                    return l;
                  });
      return lease != null;
    } catch (KubernetesClientException e) {
      return false;
    }
  }

  /** Sets a lease's duration (and renews it): a CLI sandbox's expiry once its up ended. */
  public static void extend(KubernetesClient client, String namespace, Duration duration) {
    try {
      client
          .leases()
          .inNamespace(namespace)
          .withName(LEASE)
          .edit(
              l -> {
                l.getSpec()
                    .setLeaseDurationSeconds(
                        (int) Math.min(Integer.MAX_VALUE, duration.toSeconds()));
                l.getSpec().setRenewTime(java.time.ZonedDateTime.now(ZoneOffset.UTC));
                return l;
              });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /**
   * The sandboxes with a lease the client can see: across the cluster when it may list leases
   * there, else in {@code namespaces} (a namespace-scoped kubeconfig's).
   */
  public static List<Found> list(KubernetesClient client, Collection<String> namespaces) {
    List<Lease> leases = new ArrayList<>();
    try {
      leases.addAll(client.leases().inAnyNamespace().withLabel(Tenancy.SANDBOX).list().getItems());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      for (String namespace : namespaces) {
        try {
          leases.addAll(
              client.leases().inNamespace(namespace).withLabel(Tenancy.SANDBOX).list().getItems());
        } catch (KubernetesClientException forbidden) {
          if (forbidden.getCode() != 403 && forbidden.getCode() != 404) {
            throw forbidden;
          }
        }
      }
    }
    List<Found> found = new ArrayList<>();
    for (Lease lease : leases) {
      if (!LEASE.equals(lease.getMetadata().getName())) {
        continue;
      }
      found.add(describe(lease));
    }
    return found;
  }

  static Found describe(Lease lease) {
    Map<String, String> labels = lease.getMetadata().getLabels();
    Map<String, String> annotations =
        lease.getMetadata().getAnnotations() == null
            ? Map.of()
            : lease.getMetadata().getAnnotations();
    Instant renewed =
        lease.getSpec().getRenewTime() == null
            ? Instant.EPOCH
            : lease.getSpec().getRenewTime().toInstant();
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    return new Found(
        labels.get(Tenancy.SANDBOX),
        labels.getOrDefault(Tenancy.NAME, ""),
        lease.getSpec().getHolderIdentity(),
        lease.getMetadata().getNamespace(),
        renewed,
        Duration.ofSeconds(seconds == null ? 0 : seconds),
        split(annotations.get(NAMESPACES)),
        split(annotations.get(KINDS)));
  }

  private static List<String> split(String text) {
    return text == null || text.isBlank() ? List.of() : Arrays.asList(text.split(","));
  }

  /**
   * Removes a sandbox: the namespaces it created (and waits until they are gone, at most {@code
   * wait}), and in namespaces it was given every object of the kinds it applied that carries its
   * label, the services' objects and the lease last.
   *
   * @return what was removed, as {@code kind/namespace/name} or {@code namespace/name}
   */
  public static List<String> remove(KubernetesClient client, Found sandbox, Duration wait) {
    List<String> removed = new ArrayList<>();
    removed.addAll(removeObjects(client, sandbox, wait));
    return removed;
  }

  /**
   * For gc: removes an expired sandbox only if its lease is still the one that expired — the lease
   * goes first, conditional on its version, so an owner that renewed it meanwhile keeps its
   * sandbox.
   *
   * @return what was removed; empty when the lease changed (renewed) or is gone
   */
  public static List<String> collect(KubernetesClient client, Found sandbox, Duration wait) {
    Lease lease = client.leases().inNamespace(sandbox.leaseNamespace()).withName(LEASE).get();
    if (lease == null
        || !sandbox.id().equals(describe(lease).id())
        || !describe(lease).expired(Instant.now())) {
      return List.of();
    }
    try {
      client.resource(lease).lockResourceVersion(lease.getMetadata().getResourceVersion()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return List.of(); // renewed (or removed) meanwhile
      }
      throw e;
    }
    return removeObjects(client, sandbox, wait);
  }

  private static List<String> removeObjects(KubernetesClient client, Found sandbox, Duration wait) {
    List<String> removed = new ArrayList<>();
    List<String[]> deleting = new ArrayList<>();
    List<String> created = new ArrayList<>();
    Set<String> kinds = new LinkedHashSet<>(sandbox.kinds());
    kinds.addAll(
        List.of(
            "apps/v1/StatefulSet",
            "v1/Service",
            "v1/Secret",
            "v1/PersistentVolumeClaim",
            "v1/ResourceQuota",
            "v1/LimitRange",
            "networking.k8s.io/v1/NetworkPolicy"));
    for (String namespace : sandbox.namespaces()) {
      Namespace ns = null;
      try {
        ns = client.namespaces().withName(namespace).get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403) {
          throw e;
        }
      }
      if (ns != null
          && ns.getMetadata().getLabels() != null
          && "true".equals(ns.getMetadata().getLabels().get(Tenancy.CREATED))
          && sandbox.id().equals(ns.getMetadata().getLabels().get(Tenancy.SANDBOX))) {
        client.namespaces().withName(namespace).delete();
        created.add(namespace);
        removed.add("namespace/" + namespace);
        continue;
      }
      for (String kind : kinds) {
        int slash = kind.lastIndexOf('/');
        if (slash < 0) {
          continue; // not apiVersion/Kind: an annotation written by hand
        }
        String apiVersion = kind.substring(0, slash);
        String k = kind.substring(slash + 1);
        try {
          List<GenericKubernetesResource> items =
              client
                  .genericKubernetesResources(apiVersion, k)
                  .inNamespace(namespace)
                  .withLabel(Tenancy.SANDBOX, sandbox.id())
                  .list()
                  .getItems();
          for (GenericKubernetesResource item : items) {
            client.resource(item).delete();
            removed.add(k.toLowerCase() + "/" + namespace + "/" + item.getMetadata().getName());
          }
          if (!items.isEmpty()) {
            deleting.add(new String[] {apiVersion, k, namespace});
          }
        } catch (KubernetesClientException e) {
          if (e.getCode() != 403 && e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
    // in namespaces it was given, down ends when its objects are gone (volumes included, which
    // wait for their pods), not when their deletion was asked for
    for (String[] what : deleting) {
      try {
        dev.sandbox.poll.Poll.until(
            what[1] + " of the sandbox in " + what[2] + " to be gone",
            wait,
            Duration.ofMillis(500),
            seen ->
                client
                        .genericKubernetesResources(what[0], what[1])
                        .inNamespace(what[2])
                        .withLabel(Tenancy.SANDBOX, sandbox.id())
                        .list()
                        .getItems()
                        .isEmpty()
                    ? Boolean.TRUE
                    : null,
            last -> new IllegalStateException(last));
      } catch (IllegalStateException stillTerminating) {
        removed.add(what[1].toLowerCase() + " in " + what[2] + " (still terminating)");
      }
    }
    // cluster-scoped: the guardrails it installed under its own names, where it had the rights
    for (String kind : List.of("ValidatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy")) {
      try {
        for (GenericKubernetesResource item :
            client
                .genericKubernetesResources("admissionregistration.k8s.io/v1", kind)
                .withLabel(Tenancy.SANDBOX, sandbox.id())
                .list()
                .getItems()) {
          client.resource(item).delete();
          removed.add(kind.toLowerCase() + "/" + item.getMetadata().getName());
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403 && e.getCode() != 404) {
          throw e;
        }
      }
    }
    try {
      client.leases().inNamespace(sandbox.leaseNamespace()).withName(LEASE).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    for (String namespace : created) {
      // gone, or given up on at the deadline (a finalizer of the cluster's): said by the caller's
      // listing, never a failure of the removal itself
      try {
        dev.sandbox.poll.Poll.until(
            "namespace " + namespace + " to be gone",
            wait,
            Duration.ofMillis(500),
            seen -> client.namespaces().withName(namespace).get() == null ? Boolean.TRUE : null,
            last -> new IllegalStateException(last));
      } catch (IllegalStateException stillTerminating) {
        removed.add("namespace/" + namespace + " (still terminating)");
      }
    }
    return removed;
  }
}
