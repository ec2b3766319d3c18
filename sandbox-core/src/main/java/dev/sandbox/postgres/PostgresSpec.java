package dev.sandbox.postgres;

import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;
import java.util.Objects;

/**
 * The stack's {@code services.postgres} section.
 *
 * @param version a tag of the official {@code postgres} image
 * @param database the database created for the application
 */
public record PostgresSpec(
    boolean enabled, String version, String database, String serviceName, Stack.Secret secret)
    implements ServiceSpec {

  public PostgresSpec {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(secret, "secret");
  }

  @Override
  public String image() {
    return "postgres:" + version;
  }

  @Override
  public String containerFingerprint() {
    return enabled + "|" + version + "|" + database;
  }
}
