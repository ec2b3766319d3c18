package dev.sandbox.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxStatus;
import dev.sandbox.poll.Poll;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PromQL queries against the sandbox's Prometheus (the monitoring pack), for tests: "the counter
 * rose after the request".
 */
public final class Prometheus {

  private final URI base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  /**
   * A client for the Prometheus at {@code base}: the sandbox hands it out, tests do not build it.
   */
  public Prometheus(URI base) {
    this.base = base;
  }

  /** One series of an instant vector. */
  public record Sample(Map<String, String> labels, double value) {}

  /** An alert Prometheus knows of. */

  /** The Prometheus base URL (through a port-forward on 127.0.0.1). */
  public URI url() {
    return base;
  }

  /** Runs an instant query; an empty list when nothing matches. */
  public List<Sample> query(String promql) {
    JsonNode data = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    List<Sample> samples = new ArrayList<>();
    String type = data.path("resultType").asText();
    if (type.equals("scalar")) {
      samples.add(new Sample(Map.of(), data.path("result").get(1).asDouble()));
      return samples;
    }
    for (JsonNode series : data.path("result")) {
      Map<String, String> labels = new LinkedHashMap<>();
      series
          .path("metric")
          .fields()
          .forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
      samples.add(new Sample(labels, series.path("value").get(1).asDouble()));
    }
    return samples;
  }

  /** The sum of an instant query's values (0 when nothing matches): handy for counters. */
  public double sum(String promql) {
    return query(promql).stream().mapToDouble(Sample::value).sum();
  }

  /** Alerts that are pending or firing. */
  public List<SandboxStatus.Alert> alerts() {
    List<SandboxStatus.Alert> alerts = new ArrayList<>();
    for (JsonNode alert : get("/api/v1/alerts").path("alerts")) {
      Map<String, String> labels = new LinkedHashMap<>();
      alert
          .path("labels")
          .fields()
          .forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
      alerts.add(
          new SandboxStatus.Alert(
              labels.getOrDefault("alertname", "?"), alert.path("state").asText(), labels));
    }
    return alerts;
  }

  /**
   * Waits until {@code /-/ready} answers 200 on this URL.
   *
   * @throws SandboxException.ServiceStartup when it does not within {@code timeout}
   */
  public void awaitReady(Duration timeout) {
    URI ready = base.resolve("/-/ready");
    Poll.until(
        "Prometheus",
        timeout,
        Duration.ofMillis(100),
        seen -> {
          try {
            int code =
                http.send(
                        HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            seen.is("HTTP " + code);
            return code == 200 ? Boolean.TRUE : null;
          } catch (IOException e) {
            seen.is(String.valueOf(e.getMessage()));
            return null;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException.Interrupted("Interrupted while waiting for Prometheus.", e);
          }
        },
        last ->
            new SandboxException.ServiceStartup(
                "Prometheus runs but does not answer on "
                    + ready
                    + " ("
                    + last
                    + "). Check `kubectl -n "
                    + MonitoringPack.NAMESPACE
                    + " get svc,pods` with the sandbox's kubeconfig.",
                null));
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = json.readTree(response.body());
      if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
        throw new SandboxException(
            "Prometheus answered "
                + response.statusCode()
                + " for "
                + path
                + ": "
                + body.path("error").asText(response.body()));
      }
      return body.path("data");
    } catch (IOException e) {
      throw new SandboxException("Prometheus at " + base + " is unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException("Interrupted while querying Prometheus", e);
    }
  }
}
