package dev.sandbox.k3s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the same cluster that keeps the API server's {@code Warning} response headers (RFC
 * 7234 {@code 299 - "text"}), which is how admission says "allowed, but": a
 * ValidatingAdmissionPolicy bound with {@code Warn}, Pod Security's {@code warn} mode, deprecated
 * APIs. fabric8 has no warning handler of its own; an {@link Interceptor} on its HTTP client sees
 * every response's headers before the call returns. One caller at a time: {@link #drain} returns
 * what the calls since the last drain were told. Internal.
 */
public final class ApiWarnings implements AutoCloseable {

  /** {@code 299 - "text"} with an optional date; the text is a quoted string. */
  private static final Pattern HEADER =
      Pattern.compile("^\\s*\\d{3}\\s+\\S+\\s+\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final List<String> captured = new ArrayList<>();
  private final KubernetesClient client;

  public ApiWarnings(KubernetesClient base) {
    Interceptor interceptor =
        new Interceptor() {
          @Override
          public void after(
              HttpRequest request,
              HttpResponse<?> response,
              AsyncBody.Consumer<List<ByteBuffer>> consumer) {
            List<String> headers = response.headers("Warning");
            if (headers != null && !headers.isEmpty()) {
              synchronized (captured) {
                headers.forEach(h -> captured.add(text(h)));
              }
            }
          }
        };
    this.client =
        new KubernetesClientBuilder()
            .withConfig(base.getConfiguration())
            .withHttpClientBuilderConsumer(
                builder -> builder.addOrReplaceInterceptor("sandbox-warnings", interceptor))
            .build();
  }

  public KubernetesClient client() {
    return client;
  }

  /** The warnings received since the last call, in order. */
  public List<String> drain() {
    synchronized (captured) {
      List<String> result = List.copyOf(captured);
      captured.clear();
      return result;
    }
  }

  /** The warning's text: unquoted and unescaped, or the whole header when it has another shape. */
  static String text(String header) {
    Matcher matcher = HEADER.matcher(header);
    if (!matcher.find()) {
      return header.strip();
    }
    return matcher.group(1).replaceAll("\\\\(.)", "$1");
  }

  @Override
  public void close() {
    client.close();
  }
}
