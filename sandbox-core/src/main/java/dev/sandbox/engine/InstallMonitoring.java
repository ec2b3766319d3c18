package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.Apply;
import dev.sandbox.monitoring.MonitoringPack;

/** Applies the monitoring pack (Prometheus and the team's alerting rules) when it is on. */
final class InstallMonitoring extends Step {

  InstallMonitoring() {
    super("monitoring");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return context.cluster == null && !context.monitoring.isEmpty();
  }

  @Override
  String describe(DeployContext context) {
    return "Prometheus in " + MonitoringPack.NAMESPACE;
  }

  @Override
  String fingerprint(DeployContext context) {
    return DeployMarks.fingerprint(
        "monitoring", context.monitoring.stream().map(m -> m.resource()).toList());
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Apply.apply(
        context.client,
        context.monitoring,
        true,
        context.stack.readiness().timeout(),
        ProgressListener.NONE);
    return "Prometheus applied (" + context.stack.monitoring().rules().size() + " rule file(s))";
  }
}
