package dev.sandbox.postgres;

/**
 * How to reach the sandbox's PostgreSQL from the host.
 *
 * @param host host to connect to (127.0.0.1)
 * @param port published port on the host
 * @param database the stack's database
 * @param username generated user
 * @param password generated password; never printed unless asked
 */
public record PostgresEndpoint(
    String host, int port, String database, String username, String password) {

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** A libpq URI without the password. */
  public String uri() {
    return "postgresql://" + username + "@" + host + ":" + port + "/" + database;
  }

  /** A libpq URI with the password (treat it as a secret). */
  public String uriWithPassword() {
    return "postgresql://" + username + ":" + password + "@" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "PostgresEndpoint[" + uri() + "]";
  }
}
