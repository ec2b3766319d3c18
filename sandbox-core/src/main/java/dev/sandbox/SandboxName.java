package dev.sandbox;

import java.util.regex.Pattern;

/**
 * The one rule for sandbox names, applied wherever a name enters: the stack file, {@code --name},
 * {@code SANDBOX_NAME}, {@code @WithCluster} and every engine operation. A name becomes a state
 * folder, container, network and volume names and a kube context, so it must be a DNS-1123 label:
 * never a path ({@code ..}, {@code /some/dir}), never empty.
 */
public final class SandboxName {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private SandboxName() {}

  /** True when {@code name} is a valid sandbox name. */
  public static boolean isValid(String name) {
    return name != null && DNS_LABEL.matcher(name).matches();
  }

  /**
   * Returns {@code name} when it is valid, else throws {@link SandboxException.InvalidName} naming
   * where it came from ({@code origin}, for example {@code --name} or {@code SANDBOX_NAME}).
   */
  public static String check(String name, String origin) {
    if (!isValid(name)) {
      throw new SandboxException.InvalidName(
          (origin == null ? "" : origin + ": ")
              + "'"
              + (name == null ? "" : printable(name))
              + "' is not a valid sandbox name: use lower-case letters, digits and '-' (at most 63,"
              + " starting and ending with a letter or digit), for example 'orders'.");
    }
    return name;
  }

  /** The rule's wording, for messages that locate the name themselves (stack file errors). */
  public static String rule() {
    return "use lower-case letters, digits and '-' (at most 63, starting and ending with a letter"
        + " or digit), for example 'orders'";
  }

  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    name.codePoints()
        .limit(80)
        .forEach(c -> out.append(Character.isISOControl(c) ? "?" : Character.toString(c)));
    return name.length() > 80 ? out + "…" : out.toString();
  }
}
