package dev.sandbox;

import java.util.Map;

/**
 * One backing service of a running sandbox as seen from the host, for front ends that render every
 * service without naming any.
 *
 * @param id the service's id ({@code postgres})
 * @param displayName its name for people ({@code PostgreSQL})
 * @param endpoint the typed endpoint tests inject ({@code PostgresEndpoint})
 * @param summary one line without secrets, for {@code up}'s summary
 * @param environment the shell variables {@code sandbox env} exports (with secrets)
 */
public record ServiceEndpoint(
    String id,
    String displayName,
    Object endpoint,
    String summary,
    Map<String, String> environment) {

  public ServiceEndpoint {
    environment = Map.copyOf(environment);
  }

  @Override
  public String toString() {
    return "ServiceEndpoint[" + id + ": " + summary + "]";
  }
}
