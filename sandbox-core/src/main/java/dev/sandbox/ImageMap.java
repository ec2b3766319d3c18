package dev.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Maps official image references to mirrors or local images, for air-gapped and mirrored networks.
 *
 * <p>A key with a tag ({@code rancher/k3s:v1.34.4-k3s1}) matches that exact reference. A key
 * without a tag ({@code postgres}) matches every tag of that repository; its value then either has
 * a tag of its own (used as is) or not (the original tag is kept: {@code postgres ->
 * mirror.corp/postgres} turns {@code postgres:17} into {@code mirror.corp/postgres:17}). Docker Hub
 * prefixes ({@code docker.io/}, {@code docker.io/library/}) are ignored when matching.
 */
public final class ImageMap {

  private static final ImageMap EMPTY = new ImageMap(Map.of());

  private final Map<String, String> entries;

  private ImageMap(Map<String, String> entries) {
    this.entries = entries;
  }

  /** A map with the given entries, in order. Keys and values must not be blank. */
  public static ImageMap of(Map<String, String> entries) {
    Map<String, String> copy = new LinkedHashMap<>();
    entries.forEach(
        (from, to) -> {
          if (from == null || from.isBlank() || to == null || to.isBlank()) {
            throw new IllegalArgumentException("image map entries must not be blank: " + from);
          }
          copy.put(normalise(from.trim()), to.trim());
        });
    return new ImageMap(Map.copyOf(copy));
  }

  public static ImageMap empty() {
    return EMPTY;
  }

  /** The entries, official reference (normalised) to replacement. */
  public Map<String, String> entries() {
    return entries;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** A map holding this map's entries with {@code other}'s on top. */
  public ImageMap overriddenBy(ImageMap other) {
    if (other.isEmpty()) {
      return this;
    }
    Map<String, String> merged = new LinkedHashMap<>(entries);
    merged.putAll(other.entries);
    return new ImageMap(Map.copyOf(merged));
  }

  /** The reference to use instead of {@code image}; {@code image} itself when nothing matches. */
  public String apply(String image) {
    Objects.requireNonNull(image, "image");
    String normalised = normalise(image);
    String exact = entries.get(normalised);
    if (exact != null) {
      return exact;
    }
    int tagAt = tagSeparator(normalised);
    if (tagAt < 0) {
      return image;
    }
    String repository = normalised.substring(0, tagAt);
    String replacement = entries.get(repository);
    if (replacement == null) {
      return image;
    }
    return tagSeparator(replacement) >= 0 ? replacement : replacement + normalised.substring(tagAt);
  }

  /** Index of the ':' (or '@' for digests) that starts the tag, or -1. */
  private static int tagSeparator(String reference) {
    int digest = reference.indexOf('@');
    if (digest >= 0) {
      return digest;
    }
    int colon = reference.lastIndexOf(':');
    int slash = reference.lastIndexOf('/');
    return colon > slash ? colon : -1;
  }

  static String normalise(String reference) {
    String result = reference;
    if (result.startsWith("docker.io/")) {
      result = result.substring("docker.io/".length());
    }
    if (result.startsWith("library/")) {
      result = result.substring("library/".length());
    }
    return result;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ImageMap map && map.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "ImageMap" + entries;
  }
}
