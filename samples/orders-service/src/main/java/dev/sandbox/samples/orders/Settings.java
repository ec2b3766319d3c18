package dev.sandbox.samples.orders;

import java.util.Map;

/**
 * The service's configuration, read only from environment variables.
 *
 * @param dbUrl JDBC URL of the PostgreSQL database ({@code DB_URL})
 * @param dbUser database user ({@code DB_USER})
 * @param dbPassword database password ({@code DB_PASSWORD})
 * @param amqpUri AMQP URI of the broker, with credentials ({@code AMQP_URI})
 * @param port HTTP port ({@code PORT}, default 8080)
 */
public record Settings(String dbUrl, String dbUser, String dbPassword, String amqpUri, int port) {

  /** Reads the settings; a missing variable fails with its name. */
  public static Settings fromEnvironment(Map<String, String> env) {
    String port = env.getOrDefault("PORT", "8080");
    int parsed;
    try {
      parsed = Integer.parseInt(port.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("PORT must be a number, not '" + port + "'");
    }
    return new Settings(
        required(env, "DB_URL"),
        required(env, "DB_USER"),
        required(env, "DB_PASSWORD"),
        required(env, "AMQP_URI"),
        parsed);
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("environment variable " + name + " is not set");
    }
    return value;
  }

  @Override
  public String toString() {
    return "Settings[dbUrl=" + dbUrl + ", dbUser=" + dbUser + ", port=" + port + "]";
  }
}
