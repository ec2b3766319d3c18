package dev.sandbox.stack;

import dev.sandbox.ImageMap;
import dev.sandbox.SandboxName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One sandbox, as described by a stack file ({@code sandbox.yaml}, schema version 1) merged over
 * the embedded default stack. Immutable; build it with {@link StackLoader}.
 *
 * @param name DNS-1123 label naming the sandbox, its containers, state folder and kube context
 * @param source the stack file, empty for the embedded default
 * @param hash a short hash of the effective stack, used to recognise reusable environments
 * @param k3s the cluster
 * @param manifests the production manifests to apply
 * @param images local images to load into the cluster
 * @param services each backing service's section by its id ({@code postgres}, ...), in registration
 *     order; disabled services included
 * @param policies the policy packs
 * @param monitoring the monitoring pack
 * @param imageMap official image to mirror or local image
 * @param readiness how long to wait for the slice to become ready
 * @param target where the slice runs: the local k3s container, or a namespace of an existing
 *     cluster
 */
public record Stack(
    String name,
    Optional<Path> source,
    String hash,
    K3s k3s,
    Manifests manifests,
    List<String> images,
    Map<String, ServiceSpec> services,
    Policies policies,
    Monitoring monitoring,
    ImageMap imageMap,
    Readiness readiness,
    Target target) {

  public Stack {
    SandboxName.check(name, null);
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(k3s, "k3s");
    Objects.requireNonNull(manifests, "manifests");
    images = List.copyOf(images);
    services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(monitoring, "monitoring");
    Objects.requireNonNull(imageMap, "imageMap");
    Objects.requireNonNull(readiness, "readiness");
    Objects.requireNonNull(target, "target");
  }

  /** A copy with another name, for example from {@code --name}. */
  public Stack withName(String newName) {
    return copy(newName, imageMap, readiness);
  }

  /** A copy whose image map has {@code extra} entries layered on top (they win). */
  public Stack withImageMap(ImageMap extra) {
    return copy(name, imageMap.overriddenBy(extra), readiness);
  }

  /** A copy with another readiness timeout, for example from {@code @WithCluster}. */
  public Stack withReadiness(Readiness newReadiness) {
    return copy(name, imageMap, newReadiness);
  }

  /**
   * A copy whose cluster target maps manifest namespaces to the given pre-created ones (from
   * SANDBOX_NAMESPACES, a CI job's own), over the stack file's.
   */
  public Stack withNamespaces(Map<String, String> namespaces) {
    return copy(name, imageMap, readiness, target.withNamespaces(namespaces));
  }

  /** A copy that runs on the cluster of kubeconfig context {@code context} (from --context). */
  public Stack withContext(String context) {
    return copy(name, imageMap, readiness, target.withContext(context));
  }

  private Stack copy(String newName, ImageMap newImageMap, Readiness newReadiness) {
    return copy(newName, newImageMap, newReadiness, target);
  }

  private Stack copy(
      String newName, ImageMap newImageMap, Readiness newReadiness, Target newTarget) {
    return new Stack(
        newName,
        source,
        hash,
        k3s,
        manifests,
        images,
        services,
        policies,
        monitoring,
        newImageMap,
        newReadiness,
        newTarget);
  }

  /** One backing service's section, when a registered service has that id. */
  public Optional<ServiceSpec> service(String id) {
    return Optional.ofNullable(services.get(id));
  }

  /**
   * The official images this stack runs, before the image map: k3s, every enabled service, and
   * Prometheus when monitoring is on.
   */
  public List<String> officialImages() {
    List<String> result = new ArrayList<>(containerImages());
    if (monitoring.enabled()) {
      result.add(monitoring.image());
    }
    return result;
  }

  /** The official images of the containers {@code up} starts: k3s and every enabled service. */
  public List<String> containerImages() {
    List<String> result = new ArrayList<>();
    result.add(k3s.image());
    services.values().stream()
        .filter(ServiceSpec::enabled)
        .map(ServiceSpec::image)
        .forEach(result::add);
    return result;
  }

  /**
   * Whether a change of fingerprint {@code part} needs new containers (k3s, image-map, and every
   * service's own part); any other change is applied in place.
   */
  public boolean needsNewContainers(String part) {
    return CONTAINER_PARTS.contains(part) || services.containsKey(part);
  }

  /** Parts besides the services' own whose change needs new containers. */
  public static final Set<String> CONTAINER_PARTS = Set.of("k3s", "image-map");

  /**
   * A short fingerprint per part of the stack (k3s, one per service, wiring, manifests, images,
   * policies, monitoring, image-map, readiness), so that {@code up} on a changed stack file can say
   * what changed and whether the change needs new containers ({@link #needsNewContainers}).
   */
  public Map<String, String> fingerprint() {
    Map<String, String> parts = new TreeMap<>();
    parts.put(
        "k3s",
        k3s.version() + (k3s.ingress() ? "" : "|no-ingress") + "|" + k3s.loadBalancerPorts());
    StringBuilder wiring = new StringBuilder();
    services.forEach(
        (id, spec) -> {
          parts.put(id, spec.containerFingerprint());
          if (!wiring.isEmpty()) {
            wiring.append('|');
          }
          wiring
              .append(spec.serviceName())
              .append('|')
              .append(spec.secret().name())
              .append(new TreeMap<>(spec.secret().keys()))
              .append(spec.secret().type())
              .append(new TreeMap<>(spec.secret().entries()));
        });
    parts.put("wiring", wiring.toString());
    // sorted copies: Set.copyOf and Map.copyOf iterate in an order that differs between JVMs
    parts.put(
        "manifests",
        manifests.paths()
            + "|"
            + new TreeSet<>(manifests.excludeKinds())
            + (manifests.manifestStandsIn() ? "|manifest-stands-in" : "")
            + (manifests.helm().isEmpty()
                ? ""
                : "|" + manifests.helm().stream().map(HelmRelease::fingerprint).toList())
            + (manifests.targeted().isEmpty() ? "" : "|" + manifests.targeted()));
    parts.put("images", images.toString());
    parts.put(
        "policies",
        policies.packs()
            + "|"
            + policies.podSecurity()
            + "|"
            + new TreeMap<>(policies.guardrails())
            + "|"
            + policies.custom());
    parts.put("monitoring", monitoring.toString());
    parts.put("image-map", new TreeMap<>(imageMap.entries()).toString());
    parts.put("readiness", readiness.timeout().toString());
    if (target.isCluster()) {
      parts.put(
          "target", target.context().orElseThrow() + "|" + new TreeMap<>(target.namespaces()));
    }
    parts.replaceAll((part, text) -> shortHash(text));
    return parts;
  }

  /** The parts whose fingerprint differs from {@code before} (all of them when it is empty). */
  public List<String> changedSince(Map<String, String> before) {
    return changes(fingerprint(), before);
  }

  /** The keys of {@code now} whose value differs in {@code before}. */
  public static List<String> changes(Map<String, String> now, Map<String, String> before) {
    return now.entrySet().stream()
        .filter(e -> !e.getValue().equals(before.get(e.getKey())))
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The short hash the stack's parts and its {@link #hash()} use. */
  public static String shortHash(String text) {
    return ShortHash.of(text);
  }

  /**
   * The cluster.
   *
   * @param version a tag of the official {@code rancher/k3s} image
   * @param ingress whether k3s's bundled ingress controller, Traefik, runs (k3s's default; {@code
   *     false} starts k3s with {@code --disable=traefik})
   * @param loadBalancerPorts ports of LoadBalancer Services published on 127.0.0.1 besides the
   *     ingress controller's {@link #INGRESS_PORTS} (published when the node container is created)
   */
  public record K3s(String version, boolean ingress, List<Integer> loadBalancerPorts) {
    /** The ports of Traefik's LoadBalancer Service: web and websecure. */
    public static final List<Integer> INGRESS_PORTS = List.of(80, 443);

    public K3s {
      Objects.requireNonNull(version, "version");
      loadBalancerPorts = List.copyOf(new java.util.TreeSet<>(loadBalancerPorts));
    }

    /** Version only, with k3s's defaults: Traefik on, no other port published. */
    public K3s(String version) {
      this(version, true, List.of());
    }

    /** Every node port published on 127.0.0.1 for LoadBalancer Services, sorted. */
    public List<Integer> publishedPorts() {
      java.util.TreeSet<Integer> all = new java.util.TreeSet<>(loadBalancerPorts);
      if (ingress) {
        all.addAll(INGRESS_PORTS);
      }
      return List.copyOf(all);
    }

    /** The official image this stack asks for, before the image map. */
    public String image() {
      return "rancher/k3s:" + version;
    }
  }

  /**
   * Production manifests: files, directories (applied in sorted order, as {@code kubectl apply -f}
   * does) and kustomization directories, resolved against the stack file's folder.
   *
   * @param standIns who wins when the manifests declare a Service or Secret with the very name the
   *     wiring of a backing service creates (dev YAML shipping its own database): {@code sandbox}
   *     (the default) skips the manifest's Service, Secret and the workload behind that Service;
   *     {@code manifest} leaves that service unwired in that namespace and applies the manifest's
   *     own
   */
  public record Manifests(
      List<Path> paths,
      Set<String> excludeKinds,
      String standIns,
      List<HelmRelease> helm,
      List<TargetedPath> targeted) {

    /** The choices of {@code manifests.stand-ins}. */
    public static final List<String> STAND_INS = List.of("sandbox", "manifest");

    public Manifests {
      paths = List.copyOf(paths);
      excludeKinds = Set.copyOf(excludeKinds);
      if (!STAND_INS.contains(standIns)) {
        throw new IllegalArgumentException("stand-ins must be one of " + STAND_INS);
      }
      helm = List.copyOf(helm);
      targeted = List.copyOf(targeted);
    }

    public Manifests(List<Path> paths, Set<String> excludeKinds, String standIns) {
      this(paths, excludeKinds, standIns, List.of(), List.of());
    }

    /** Every folder and file applied: {@link #paths} and those of the GitOps sources. */
    public List<Path> allPaths() {
      List<Path> all = new ArrayList<>(paths);
      targeted.forEach(t -> all.add(t.path()));
      return all;
    }

    public Manifests(List<Path> paths, Set<String> excludeKinds) {
      this(paths, excludeKinds, "sandbox");
    }

    /** Whether the manifest's own objects win over the wired ones. */
    public boolean manifestStandsIn() {
      return standIns.equals("manifest");
    }
  }

  /**
   * A folder, file or kustomization a GitOps source points at, applied into a namespace.
   *
   * @param path the folder or file in the working tree
   * @param namespace where its namespaced objects go
   * @param override true for Flux's {@code targetNamespace} (every namespaced object moves there,
   *     as kustomize's {@code namespace:} does); false for Argo CD's {@code destination.namespace}
   *     (only objects that name no namespace go there)
   * @param declaredAt the GitOps object it comes from ({@code flux/orders.yaml:3
   *     (Kustomization/orders)})
   */
  public record TargetedPath(Path path, String namespace, boolean override, String declaredAt) {
    public TargetedPath {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(declaredAt, "declaredAt");
    }
  }

  /**
   * A Helm chart rendered with production values, as {@code helm template} would: the sandbox
   * renders it in-process and applies the objects like any other manifest.
   *
   * @param release the release name ({@code .Release.Name})
   * @param chart the chart as the stack file names it: a folder, a packaged {@code .tgz}, or an
   *     {@code oci://} reference
   * @param chartPath the local folder or {@code .tgz}, resolved against the stack file's folder;
   *     empty for an {@code oci://} reference
   * @param version the chart version to fetch, for an {@code oci://} reference
   * @param namespace the release namespace: objects that name none land there
   * @param values values files, applied in order ({@code helm -f a -f b})
   * @param inlineValues values written inline (a GitOps source's {@code values}), applied after the
   *     files
   * @param set {@code --set} overrides, applied last
   * @param declaredAt where the stack file declares the release ({@code sandbox.yaml:12})
   */
  public record HelmRelease(
      String release,
      String chart,
      Optional<Path> chartPath,
      Optional<String> version,
      String namespace,
      List<Path> values,
      Optional<String> inlineValues,
      Map<String, String> set,
      String declaredAt) {
    public HelmRelease {
      Objects.requireNonNull(release, "release");
      Objects.requireNonNull(chart, "chart");
      Objects.requireNonNull(chartPath, "chartPath");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(namespace, "namespace");
      values = List.copyOf(values);
      Objects.requireNonNull(inlineValues, "inlineValues");
      set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
      Objects.requireNonNull(declaredAt, "declaredAt");
    }

    /** {@code release orders (chart charts/orders)}, as shown to users. */
    public String displayName() {
      return "release " + release + " (chart " + chart + ")";
    }

    /** What the fingerprint compares: everything but where the release is declared. */
    String fingerprint() {
      return release
          + "|"
          + chart
          + "|"
          + version.orElse("")
          + "|"
          + namespace
          + "|"
          + values
          + "|"
          + inlineValues.orElse("")
          + "|"
          + set;
    }
  }

  /**
   * The Secret production YAML reads a service's connection details from.
   *
   * @param name the Secret's name
   * @param keys logical key (host, port, database, username, password, jdbc-url, uri) to the key
   *     name production reads
   * @param type the Secret's {@code type} ({@code Opaque}, or {@code servicebinding.io/postgresql}
   *     for the Service Binding preset)
   * @param entries fixed entries written beside the generated ones
   */
  public record Secret(
      String name, Map<String, String> keys, String type, Map<String, String> entries) {
    public Secret {
      Objects.requireNonNull(name, "name");
      keys = Map.copyOf(keys);
      Objects.requireNonNull(type, "type");
      entries = Map.copyOf(entries);
    }

    /** An {@code Opaque} Secret with the generated keys only. */
    public Secret(String name, Map<String, String> keys) {
      this(name, keys, OPAQUE, Map.of());
    }

    /** The type of a Secret that says nothing about its shape. */
    public static final String OPAQUE = "Opaque";
  }

  /** Pod Security Admission level and mode for application namespaces. */
  public record PodSecurity(String level, String mode) {
    public PodSecurity {
      Objects.requireNonNull(level, "level");
      Objects.requireNonNull(mode, "mode");
    }
  }

  /**
   * Policy packs to install before the manifests.
   *
   * @param packs built-in packs (pod-security, network, guardrails)
   * @param podSecurity settings of the pod-security pack
   * @param guardrails guardrail policy name to its action (Deny, Warn, Audit)
   * @param custom the team's own policy files or folders
   */
  public record Policies(
      List<String> packs,
      PodSecurity podSecurity,
      Map<String, String> guardrails,
      List<Path> custom) {
    public Policies {
      packs = List.copyOf(packs);
      Objects.requireNonNull(podSecurity, "podSecurity");
      guardrails = Map.copyOf(guardrails);
      custom = List.copyOf(custom);
    }
  }

  /** The monitoring pack: Prometheus in the cluster plus the team's alerting rules. */
  public record Monitoring(boolean enabled, String prometheusVersion, List<Path> rules) {
    public Monitoring {
      Objects.requireNonNull(prometheusVersion, "prometheusVersion");
      rules = List.copyOf(rules);
    }

    public String image() {
      return "prom/prometheus:" + prometheusVersion;
    }
  }

  /** How long {@code up} waits for the cluster, services and workloads. */
  /**
   * Where the slice runs: without a context the local k3s container beside the services; with one,
   * namespaces of the cluster that kubeconfig context names, the services running there as
   * StatefulSets.
   *
   * @param context a kubeconfig context, empty for the local node
   * @param kubeconfig the kubeconfig file holding it; empty: KUBECONFIG, else ~/.kube/config
   * @param namespaces a manifest namespace (or {@code sandbox}, the services' own) to the
   *     pre-created namespace it goes into; every other gets the sandbox's prefix
   * @param expiry how long a sandbox of the CLI lives on a cluster before {@code sandbox gc} may
   *     remove it (renewed by every {@code up}); one whose owner process keeps a lease goes when
   *     that process has been gone a minute
   * @param quota the hard limits of a ResourceQuota in each of the sandbox's namespaces there
   *     (resource name to quantity); empty: none
   * @param limits a LimitRange for containers there: {@code default} and {@code default-request}
   *     (each resource name to quantity); empty: none
   */
  public record Target(
      Optional<String> context,
      Optional<Path> kubeconfig,
      Map<String, String> namespaces,
      Duration expiry,
      Map<String, String> quota,
      Map<String, Map<String, String>> limits) {
    public static final Duration DEFAULT_EXPIRY = Duration.ofHours(24);

    public Target {
      Objects.requireNonNull(context, "context");
      Objects.requireNonNull(kubeconfig, "kubeconfig");
      namespaces = Collections.unmodifiableMap(new LinkedHashMap<>(namespaces));
      Objects.requireNonNull(expiry, "expiry");
      quota = Collections.unmodifiableMap(new LinkedHashMap<>(quota));
      limits = Collections.unmodifiableMap(new LinkedHashMap<>(limits));
    }

    /** The local k3s container. */
    public static Target local() {
      return new Target(
          Optional.empty(), Optional.empty(), Map.of(), DEFAULT_EXPIRY, Map.of(), Map.of());
    }

    public boolean isCluster() {
      return context.isPresent();
    }

    /** This target with {@code more} pre-created namespaces over its own. */
    public Target withNamespaces(Map<String, String> more) {
      Map<String, String> merged = new LinkedHashMap<>(namespaces);
      merged.putAll(more);
      return new Target(context, kubeconfig, merged, expiry, quota, limits);
    }

    public Target withContext(String newContext) {
      return new Target(
          newContext == null || newContext.isBlank() ? Optional.empty() : Optional.of(newContext),
          kubeconfig,
          namespaces,
          expiry,
          quota,
          limits);
    }
  }

  public record Readiness(Duration timeout) {
    public Readiness {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("readiness timeout must be positive: " + timeout);
      }
    }
  }
}
