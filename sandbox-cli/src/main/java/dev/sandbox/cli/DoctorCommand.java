package dev.sandbox.cli;

import dev.sandbox.ImageMap;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import picocli.CommandLine.Command;

@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description =
        "Check that this machine can run the sandbox: Docker engine and API version, cgroups,"
            + " memory, disk, images present or mappable; says what to do about each problem.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox doctor",
      "  SANDBOX_CONFIG=ci/sandbox-config.yaml sandbox doctor   # with an image map (air-gapped)"
    })
final class DoctorCommand extends SandboxSubcommand {

  private final List<String> problems = new ArrayList<>();

  @Override
  public Integer call() {
    Environment env = environment();
    PrintWriter out = out();
    SandboxConfig config = env.config();
    Stack stack = env.stack(global);
    boolean docker = false;
    String dockerProblem = null;
    try {
      SandboxEngine.requireDocker();
      docker = true;
    } catch (SandboxException e) {
      dockerProblem = e.getMessage();
    }
    if (docker) {
      var info = DockerClientFactory.instance().getInfo();
      var version = DockerClientFactory.instance().client().versionCmd().exec();
      check(
          out,
          true,
          "Docker engine",
          version.getVersion() + ", API " + version.getApiVersion(),
          null);
      String cgroup = info.getRawValues().getOrDefault("CgroupVersion", "?").toString();
      check(
          out,
          true,
          "cgroups",
          "v" + cgroup + " (" + info.getRawValues().getOrDefault("CgroupDriver", "?") + " driver)",
          null);
      long memory = info.getMemTotal() == null ? 0 : info.getMemTotal();
      check(
          out,
          memory >= 4L << 30,
          "memory",
          memory / (1 << 20) + " MiB for containers",
          "give Docker at least 4 GiB (the default slice, k3s with PostgreSQL and RabbitMQ, uses about 1.5 GiB)");
    } else {
      check(out, false, "Docker engine", "not reachable", dockerProblem);
    }
    try {
      FileStore store = Files.getFileStore(env.home());
      long free = store.getUsableSpace();
      check(
          out,
          free >= 5L << 30,
          "disk",
          free / (1 << 30) + " GiB free in " + env.home(),
          "free at least 5 GiB");
    } catch (IOException e) {
      check(out, false, "disk", e.getMessage(), "check " + env.home());
    }
    ImageMap map = stack.imageMap().overriddenBy(config.imageMap());
    for (String official : stack.containerImages()) {
      String image = map.apply(official);
      String label = official.equals(image) ? image : official + " -> " + image;
      if (!docker) {
        check(out, false, "image", label + " (unknown: no Docker)", "start Docker first");
        continue;
      }
      boolean present = present(image);
      check(
          out,
          present || !config.offline(),
          "image",
          label + (present ? " present" : " not present locally"),
          "build or load it, or map it in ~/.sandbox/config.yaml under image-map (offline mode never pulls)");
    }
    if (docker) {
      for (dev.sandbox.ImageStore store : env.engine().imageStores()) {
        check(
            out,
            true,
            "image store",
            store.volume()
                + " ("
                + (store.bytes().isPresent()
                    ? store.bytes().getAsLong() / (1 << 20) + " MiB"
                    : "size unknown")
                + "), kept for the next `up` of '"
                + store.sandbox()
                + "'; `sandbox down --purge --name "
                + store.sandbox()
                + "` removes it",
            null);
      }
    }
    if (docker) {
      for (dev.sandbox.ImageSeed seed : env.engine().imageSeeds()) {
        check(
            out,
            true,
            "image seed",
            seed.volume()
                + " ("
                + (seed.bytes().isPresent()
                    ? seed.bytes().getAsLong() / (1 << 20) + " MiB, layers shared with the stores"
                    : "size unknown")
                + "): the image store of a new sandbox name starts from it; `sandbox gc"
                + " --snapshots` removes it",
            null);
      }
    }
    for (dev.sandbox.ClusterSnapshot snapshot :
        env.engine().clusterSnapshots(dev.sandbox.SandboxConfig.snapshotFolder(env.home()))) {
      check(
          out,
          true,
          "cluster snapshot",
          snapshot.file()
              + " ("
              + snapshot.bytes() / (1 << 20)
              + " MiB, "
              + snapshot.taken().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
              + "): new nodes of that k3s image boot from it; `sandbox gc --snapshots` removes it",
          null);
    }
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      check(
          out,
          true,
          "ports",
          "loopback ports can be bound (e.g. " + socket.getLocalPort() + ")",
          null);
    } catch (IOException e) {
      check(out, false, "ports", e.getMessage(), "check local firewall rules for 127.0.0.1");
    }
    check(
        out,
        true,
        "config",
        config.source().map(Object::toString).orElse("no user config (~/.sandbox/config.yaml)")
            + (config.offline() ? ", offline" : ""),
        null);
    out.println();
    out.println(problems.isEmpty() ? "No problems found." : problems.size() + " problem(s) found.");
    return problems.isEmpty() ? ExitCode.OK.code() : ExitCode.NOT_READY.code();
  }

  private static boolean present(String image) {
    try {
      DockerClientFactory.instance().client().inspectImageCmd(image).exec();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void check(PrintWriter out, boolean ok, String what, String detail, String advice) {
    out.printf("%s %-14s %s%n", ok ? "  ok " : "  !! ", what, detail);
    if (!ok) {
      problems.add(what);
      out.printf("       -> %s%n", advice);
    }
  }
}
