import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The peer baseline of bench/startup.sh: what a team gets by hand from the three Testcontainers
 * modules the sandbox is built on — K3s, PostgreSQL and RabbitMQ started together in one JVM, then
 * waited until CoreDNS is available — with no wiring, policies, monitoring or manifests. Prints the
 * seconds from the first start to CoreDNS available. Images go through the same image map as the
 * sandbox's (sandbox.jar carries its Testcontainers image substitutor), so an air-gapped machine
 * measures the same local images.
 *
 * <p>Run: java -cp sandbox-cli/target/sandbox.jar bench/PeerBaseline.java K3S_IMAGE PG_IMAGE MQ_IMAGE
 */
public class PeerBaseline {
  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    K3sContainer k3s = new K3sContainer(DockerImageName.parse(args[0]));
    PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse(args[1]));
    RabbitMQContainer rabbit = new RabbitMQContainer(DockerImageName.parse(args[2]));
    try {
      Startables.deepStart(k3s, postgres, rabbit).join();
      try (KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
              .build()) {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (true) {
          var coredns =
              client.apps().deployments().inNamespace("kube-system").withName("coredns").get();
          Integer available = coredns == null ? null : coredns.getStatus().getAvailableReplicas();
          if (available != null && available >= 1) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("CoreDNS not available within 300 s");
          }
          Thread.sleep(200);
        }
      }
      System.out.printf("%.1f%n", (System.nanoTime() - start) / 1e9);
    } finally {
      rabbit.stop();
      postgres.stop();
      k3s.stop();
    }
  }
}
