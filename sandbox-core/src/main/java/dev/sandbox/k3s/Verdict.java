package dev.sandbox.k3s;

import dev.sandbox.manifest.Manifest;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A verdict admission gave an object it let in: a ValidatingAdmissionPolicy bound with {@code Warn}
 * or {@code Audit}, Pod Security's {@code warn} mode, or any other API server warning, judged on
 * the object as written. Internal.
 *
 * @param action {@code warn} or {@code audit}
 * @param policy the policy's name ({@code sandbox-probes}, {@code PodSecurity restricted:latest}),
 *     or {@code api-server} for another warning
 * @param object the object as shown to users ({@code deployment/apps/orders})
 * @param source the file it came from
 * @param message what the policy says
 */
public record Verdict(String action, String policy, String object, String source, String message) {

  /** How the API server words a Warn verdict of a ValidatingAdmissionPolicy. */
  static final Pattern POLICY_WARNING =
      Pattern.compile(
          "^Validation failed for ValidatingAdmissionPolicy '([^']+)' with binding '([^']*)':\\s*");

  /** How Pod Security words its {@code warn} mode. */
  static final Pattern POD_SECURITY =
      Pattern.compile("^would violate PodSecurity \"([^\"]+)\":\\s*");

  /**
   * The verdict a warning stands for.
   *
   * @param bindingAudits whether a binding (by name) also audits: its warning is then an Audit
   *     verdict (the packs bind {@code Audit} as {@code [Audit, Warn]} so that it is seen at all)
   */
  static Verdict of(Manifest manifest, String warning, Function<String, Boolean> bindingAudits) {
    Matcher vap = POLICY_WARNING.matcher(warning);
    if (vap.find()) {
      return new Verdict(
          Boolean.TRUE.equals(bindingAudits.apply(vap.group(2))) ? "audit" : "warn",
          vap.group(1),
          manifest.displayName(),
          manifest.source(),
          warning.substring(vap.end()).strip());
    }
    Matcher psa = POD_SECURITY.matcher(warning);
    if (psa.find()) {
      return new Verdict(
          "warn",
          "PodSecurity " + psa.group(1),
          manifest.displayName(),
          manifest.source(),
          warning.substring(psa.end()).strip());
    }
    return new Verdict(
        "warn", "api-server", manifest.displayName(), manifest.source(), warning.strip());
  }

  /** {@code warn sandbox-probes: deployment/apps/orders (k8s/app.yaml): message}. */
  public String line() {
    return action + " " + policy + ": " + object + " (" + source + "): " + message;
  }
}
