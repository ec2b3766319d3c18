package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description =
        "Print the logs of the sandbox's pods (all application pods by default), each line prefixed by"
            + " pod/container, one colour per source on a terminal.",
    footerHeading = "%nExamples:%n",
    footer = {"  sandbox logs", "  sandbox logs orders-service -f", "  sandbox logs --since 5m"})
final class LogsCommand implements Callable<Integer> {

  private static final String[] COLOURS = {"cyan", "yellow", "magenta", "green", "blue", "red"};

  @ParentCommand SandboxCommand parent;

  // `-f` means --follow here, as in kubectl logs; the stack file is --file only.
  @Option(
      names = "--file",
      paramLabel = "FILE",
      description = "Stack file (default: ./sandbox.yaml or the embedded default).")
  java.nio.file.Path file;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Sandbox name (default: the stack's name).")
  String name;

  @Option(
      names = {"-v", "--verbose"},
      description = "Debug logs and stack traces.")
  boolean verbose;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "WORKLOAD",
      description = "Only pods whose name starts with this.")
  String workload;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep streaming new lines (Ctrl-C stops).")
  boolean follow;

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      description = "Only lines newer than this: 30s, 5m, 1h.")
  String since;

  @Option(
      names = "--tail",
      paramLabel = "N",
      defaultValue = "200",
      description = "Lines per container (default ${DEFAULT-VALUE}).")
  int tail;

  @Override
  public Integer call() throws Exception {
    Environment env = parent.environment;
    PrintWriter out = spec.commandLine().getOut();
    GlobalOptions global = new GlobalOptions();
    global.file = file;
    global.name = name;
    try (Sandbox sandbox = env.engine().attach(env.name(global))) {
      KubernetesClient client = sandbox.client();
      // on a shared cluster, its own namespaces only: never another tenant's pods
      List<Pod> listed = new ArrayList<>();
      if (sandbox.ownNamespaces().isPresent()) {
        for (String namespace : sandbox.ownNamespaces().get()) {
          listed.addAll(client.pods().inNamespace(namespace).list().getItems());
        }
      } else {
        listed.addAll(client.pods().inAnyNamespace().list().getItems());
      }
      List<Pod> pods =
          listed.stream()
              .filter(
                  p ->
                      !Sandbox.SYSTEM_NAMESPACES.contains(p.getMetadata().getNamespace())
                          || workload != null)
              .filter(p -> workload == null || p.getMetadata().getName().startsWith(workload))
              .toList();
      if (pods.isEmpty()) {
        spec.commandLine()
            .getErr()
            .println(
                workload == null
                    ? "No application pods are running."
                    : "No pod starts with '" + workload + "'.");
        return workload == null ? ExitCode.OK.code() : ExitCode.FAILURE.code();
      }
      List<LogWatch> watches = new ArrayList<>();
      List<Thread> readers = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(countContainers(pods));
      int source = 0;
      for (Pod pod : pods) {
        for (Container container : pod.getSpec().getContainers()) {
          String prefix = pod.getMetadata().getName() + "/" + container.getName();
          String coloured =
              env.terminal()
                  ? CommandLine.Help.Ansi.ON.string(
                      "@|" + COLOURS[source++ % COLOURS.length] + " " + prefix + "|@")
                  : prefix;
          var resource =
              client
                  .pods()
                  .inNamespace(pod.getMetadata().getNamespace())
                  .withName(pod.getMetadata().getName())
                  .inContainer(container.getName());
          var logs =
              since == null
                  ? resource.tailingLines(tail)
                  : resource.sinceTime(sinceTime(since)).tailingLines(tail);
          if (follow) {
            LogWatch watch = logs.watchLog();
            watches.add(watch);
            Thread reader =
                new Thread(
                    () -> {
                      try (BufferedReader lines =
                          new BufferedReader(
                              new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = lines.readLine()) != null) {
                          synchronized (out) {
                            out.println(coloured + " " + line);
                            out.flush();
                          }
                        }
                      } catch (java.io.IOException e) {
                        // the stream ends when the pod goes away or on Ctrl-C
                      } finally {
                        done.countDown();
                      }
                    },
                    "logs-" + prefix);
            reader.setDaemon(true);
            reader.start();
            readers.add(reader);
          } else {
            String text = logs.getLog();
            if (text != null) {
              text.lines().forEach(line -> out.println(coloured + " " + line));
            }
            done.countDown();
          }
        }
      }
      done.await();
      watches.forEach(LogWatch::close);
    }
    return ExitCode.OK.code();
  }

  private static int countContainers(List<Pod> pods) {
    return pods.stream().mapToInt(p -> p.getSpec().getContainers().size()).sum();
  }

  private String sinceTime(String duration) {
    var parsed =
        dev.sandbox.Durations.parse(duration)
            .orElseThrow(
                () ->
                    new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--since '"
                            + duration
                            + "' is not a duration; write for example 30s, 5m or 1h."));
    return Instant.now().minus(parsed).toString();
  }
}
