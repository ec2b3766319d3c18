package dev.sandbox.cli;

import dev.sandbox.OrphanedSandbox;
import dev.sandbox.SandboxEngine;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description =
        "Remove sandboxes nobody can reach any more: their state folder (SANDBOX_HOME) is gone — a"
            + " deleted temp folder, a killed test run or CI job. Sandboxes of a state folder that"
            + " exists are never touched. Data volumes are kept unless --volumes. With --context"
            + " (or a stack targeting a cluster): the sandboxes on that cluster whose lease"
            + " expired. With --snapshots: the snapshots of ready clusters new nodes boot from,"
            + " and the image seeds new image stores start from.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox gc --dry-run",
      "  sandbox gc --volumes",
      "  sandbox gc --snapshots",
      "  sandbox gc --context shared-cluster --dry-run"
    })
final class GcCommand extends SandboxSubcommand {

  @Option(names = "--dry-run", description = "List what would be removed; remove nothing.")
  boolean dryRun;

  @Option(
      names = "--volumes",
      description = "Remove the orphans' data volumes (PostgreSQL, RabbitMQ, ...) too.")
  boolean volumes;

  @Option(
      names = "--snapshots",
      description =
          "Remove the snapshots of ready clusters (~/.sandbox/snapshots) and the machine's image"
              + " seeds instead: the next node boots afresh, imports its images and takes new"
              + " ones.")
  boolean snapshots;

  @Override
  public Integer call() {
    SandboxEngine engine = environment().engine();
    PrintWriter out = out();
    if (snapshots) {
      java.nio.file.Path folder = dev.sandbox.SandboxConfig.snapshotFolder(environment().home());
      List<dev.sandbox.ClusterSnapshot> found =
          dryRun ? engine.clusterSnapshots(folder) : engine.removeClusterSnapshots(folder);
      List<dev.sandbox.ImageSeed> seeds = dryRun ? engine.imageSeeds() : engine.removeImageSeeds();
      if (!global.quiet()) {
        if (found.isEmpty() && seeds.isEmpty()) {
          out.println("No cluster snapshots or image seeds to remove.");
        }
        seeds.forEach(
            s ->
                out.println(
                    (dryRun ? "would remove " : "removed ")
                        + "the image seed "
                        + s.volume()
                        + s.bytes().stream()
                            .mapToObj(b -> " (" + b / (1 << 20) + " MiB)")
                            .findFirst()
                            .orElse("")));
        found.forEach(
            s ->
                out.println(
                    (dryRun ? "would remove " : "removed ")
                        + s.file()
                        + " ("
                        + s.bytes() / (1 << 20)
                        + " MiB)"));
      }
      return ExitCode.OK.code();
    }
    // a cluster only when one is named: a broken sandbox.yaml here never blocks the local gc
    boolean named =
        global.context != null
            || (environment().env().get("SANDBOX_CONTEXT") != null
                && !environment().env().get("SANDBOX_CONTEXT").isBlank());
    dev.sandbox.stack.Stack stack = null;
    try {
      stack = environment().stack(global);
    } catch (RuntimeException e) {
      if (named) {
        throw e;
      }
    }
    if (stack != null && stack.target().isCluster()) {
      return clusterGc(engine, stack, out);
    }
    List<OrphanedSandbox> orphans = engine.orphans();
    if (orphans.isEmpty()) {
      if (!global.quiet()) {
        out.println(
            "Nothing to collect: every sandbox on this Docker engine has its state folder.");
      }
      return ExitCode.OK.code();
    }
    for (OrphanedSandbox orphan : orphans) {
      if (!global.quiet()) {
        out.println(
            (dryRun ? "would remove " : "removing ")
                + "'"
                + orphan.name()
                + "' (state folder "
                + orphan.stateRoot()
                + " is gone): "
                + String.join(", ", orphan.containers()));
      }
      if (!dryRun) {
        List<String> removed = engine.removeOrphan(orphan, !volumes);
        if (!global.quiet()) {
          removed.forEach(item -> out.println("  removed " + item));
        }
      }
    }
    if (!global.quiet() && !dryRun) {
      out.println(
          "Removed "
              + orphans.size()
              + " orphaned sandbox(es)"
              + (volumes ? "." : "; data volumes kept (--volumes removes them)."));
    }
    return ExitCode.OK.code();
  }

  /**
   * On a cluster target: sandboxes whose lease expired (their owner is gone, or they outlived it).
   */
  private int clusterGc(SandboxEngine engine, dev.sandbox.stack.Stack stack, PrintWriter out) {
    List<String> expired = engine.clusterGc(stack, !dryRun, dev.sandbox.ProgressListener.NONE);
    if (!global.quiet()) {
      if (expired.isEmpty()) {
        out.println(
            "Nothing to collect: every sandbox on context "
                + stack.target().context().orElseThrow()
                + " holds a living lease.");
      }
      expired.forEach(item -> out.println((dryRun ? "would remove " : "removed ") + item));
    }
    return ExitCode.OK.code();
  }
}
