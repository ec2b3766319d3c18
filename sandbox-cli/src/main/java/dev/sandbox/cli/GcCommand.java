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
            + " exists are never touched. Data volumes are kept unless --volumes.",
    footerHeading = "%nExamples:%n",
    footer = {"  sandbox gc --dry-run", "  sandbox gc --volumes"})
final class GcCommand extends SandboxSubcommand {

  @Option(names = "--dry-run", description = "List what would be removed; remove nothing.")
  boolean dryRun;

  @Option(
      names = "--volumes",
      description = "Remove the orphans' data volumes (PostgreSQL, RabbitMQ, ...) too.")
  boolean volumes;

  @Override
  public Integer call() {
    SandboxEngine engine = environment().engine();
    PrintWriter out = out();
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
}
