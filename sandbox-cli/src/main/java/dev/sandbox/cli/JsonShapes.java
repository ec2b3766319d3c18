package dev.sandbox.cli;

import dev.sandbox.SandboxStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON documents the CLI prints; their shapes are part of its interface (see README). */
final class JsonShapes {

  private JsonShapes() {}

  static Map<String, Object> status(SandboxStatus status) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", status.name());
    json.put("running", status.running());
    json.put(
        "components",
        status.components().stream()
            .map(
                c -> {
                  Map<String, Object> component = new LinkedHashMap<>();
                  component.put("name", c.name());
                  component.put("state", c.state());
                  component.put("image", c.image());
                  Map<String, Integer> ports = new LinkedHashMap<>();
                  c.ports().forEach((inside, host) -> ports.put(String.valueOf(inside), host));
                  component.put("ports", ports);
                  return component;
                })
            .toList());
    json.put(
        "workloads",
        status.workloads().stream()
            .map(
                w -> {
                  Map<String, Object> workload = new LinkedHashMap<>();
                  workload.put("kind", w.kind());
                  workload.put("namespace", w.namespace());
                  workload.put("name", w.name());
                  workload.put("ready", w.ready());
                  workload.put("desired", w.desired());
                  workload.put("restarts", w.restarts());
                  return workload;
                })
            .toList());
    json.put(
        "alerts",
        status.alerts().stream()
            .map(a -> Map.of("name", a.name(), "state", a.state(), "labels", a.labels()))
            .toList());
    json.put("clusterError", status.clusterError());
    json.put("findings", status.findings());
    json.put(
        "entrypoints",
        status.entrypoints().stream()
            .map(
                e -> {
                  Map<String, Object> entry = new java.util.LinkedHashMap<>();
                  entry.put("kind", e.kind());
                  entry.put("namespace", e.namespace());
                  entry.put("name", e.name());
                  entry.put("route", e.route());
                  entry.put("reach", e.reach());
                  entry.put("address", e.address());
                  return entry;
                })
            .toList());
    return json;
  }
}
