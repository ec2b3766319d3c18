package dev.sandbox.stack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A backing service's section of the stack file ({@code services.<id>}), merged over its defaults,
 * with the keys every service has ({@code enabled}, {@code version}, {@code service-name}, {@code
 * secret}) read and checked here, and the service's own keys reachable through {@link #get}.
 * Problems are {@link dev.sandbox.StackFileException}s naming the file, line and key.
 */
public final class ServiceSection {

  /** The keys every service section has. */
  public static final List<String> COMMON_KEYS =
      List.of("enabled", "version", "service-name", "secret");

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern SECRET_TYPE = Pattern.compile("[-._a-zA-Z0-9/]{1,253}");
  private static final String SERVICE_BINDING = "servicebinding";
  static final Pattern IMAGE_TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  private final YamlTree.Entry section;
  private final Map<String, YamlTree.Entry> keys;

  ServiceSection(YamlTree.Entry section, List<String> ownKeys) {
    this.section = section;
    List<String> known = new ArrayList<>(COMMON_KEYS);
    known.addAll(ownKeys);
    this.keys = section.mapping(known);
  }

  /** The section itself, for errors about it as a whole. */
  public YamlTree.Entry entry() {
    return section;
  }

  /** One of the service's own keys; its defaults guarantee it is present. */
  public YamlTree.Entry get(String key) {
    YamlTree.Entry entry = keys.get(key);
    if (entry == null) {
      throw section.error("'" + key + "' is missing; the service's defaults should set it.");
    }
    return entry;
  }

  public boolean enabled() {
    return get("enabled").bool();
  }

  /** {@code version}: a tag of the official image. */
  public String version() {
    return tag(get("version"));
  }

  /** {@code service-name}: a DNS label, the Service production YAML reaches. */
  public String serviceName() {
    YamlTree.Entry entry = get("service-name");
    String value = entry.nonBlank("the Service name production YAML uses");
    if (!DNS_LABEL.matcher(value).matches()) {
      throw entry.error(
          "'"
              + value
              + "' is not a valid Service name: use lower-case letters, digits and '-', for example orders-db.");
    }
    return value;
  }

  /**
   * {@code secret}: its name, per logical key the service provides the key name production reads,
   * and optionally its {@code type}, fixed {@code entries} and a {@code preset}. The preset {@code
   * servicebinding} gives the shape the Service Binding specification (servicebinding.io) defines
   * and Spring Cloud Bindings and other libraries read: type {@code servicebinding.io/<binding
   * type>}, entries {@code type} and {@code provider}, and the spec's key names.
   *
   * @param logicalKeys the keys the service writes
   * @param bindingType the service's Service Binding type ({@code postgresql}, {@code rabbitmq})
   * @param bindingKeyNames logical key to the Service Binding key name, where they differ
   */
  public Stack.Secret secret(
      List<String> logicalKeys, String bindingType, Map<String, String> bindingKeyNames) {
    Map<String, YamlTree.Entry> map =
        get("secret").mapping(List.of("name", "keys", "type", "entries", "preset"));
    String name = map.get("name").nonBlank("a Secret name");
    if (!DNS_SUBDOMAIN.matcher(name).matches() || name.length() > 253) {
      throw map.get("name")
          .error(
              "'"
                  + name
                  + "' is not a valid Secret name: use lower-case letters, digits, '-' and '.'.");
    }
    Map<String, String> names = new LinkedHashMap<>();
    map.get("keys")
        .mapping(logicalKeys)
        .forEach((logical, value) -> names.put(logical, key(value)));
    String type = Stack.Secret.OPAQUE;
    Map<String, String> entries = new LinkedHashMap<>();
    YamlTree.Entry preset = map.get("preset");
    if (preset != null) {
      String value = preset.nonBlank("a preset");
      if (!value.equals(SERVICE_BINDING)) {
        throw preset.error(
            "unknown preset '"
                + value
                + "'. Expected: "
                + SERVICE_BINDING
                + " (the servicebinding.io shape Spring Cloud Bindings reads).");
      }
      type = "servicebinding.io/" + bindingType;
      entries.put("type", bindingType);
      entries.put("provider", "sandbox");
      // the spec's names, where the stack kept the default name (the logical one)
      bindingKeyNames.forEach(
          (logical, bound) -> {
            if (logical.equals(names.get(logical))) {
              names.put(logical, bound);
            }
          });
    }
    YamlTree.Entry explicitType = map.get("type");
    if (explicitType != null) {
      type = explicitType.nonBlank("a Secret type such as Opaque");
      if (!SECRET_TYPE.matcher(type).matches()) {
        throw explicitType.error(
            "'" + type + "' is not a Secret type; expected for example Opaque or example.com/db.");
      }
    }
    YamlTree.Entry fixed = map.get("entries");
    if (fixed != null) {
      fixed
          .freeMapping("Secret key to a fixed value")
          .forEach(
              (key, value) -> {
                if (names.containsValue(key)) {
                  throw value.error(
                      "'"
                          + key
                          + "' is already a generated key of this Secret; give the fixed entry"
                          + " another name or rename the generated one under keys.");
                }
                entries.put(key(value, key), value.string());
              });
    }
    return new Stack.Secret(name, names, type, entries);
  }

  private static String key(YamlTree.Entry value) {
    return key(value, value.nonBlank("the key name production reads"));
  }

  private static String key(YamlTree.Entry at, String key) {
    if (!SECRET_KEY.matcher(key).matches()) {
      throw at.error(
          "'" + key + "' is not a valid Secret key: use letters, digits, '-', '_' and '.'.");
    }
    return key;
  }

  static String tag(YamlTree.Entry entry) {
    String value = entry.nonBlank("an image tag");
    if (!IMAGE_TAG.matcher(value).matches()) {
      throw entry.error(
          "'" + value + "' is not a valid image tag; expected for example 17 or 4.1-management.");
    }
    return value;
  }
}
