package dev.sandbox.inspect;

import dev.sandbox.SandboxException;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Acting as the application: a client that authenticates with a real, short-lived token of one of
 * its ServiceAccounts (the TokenRequest API, as the kubelet mounts it into pods), and access
 * reviews that answer "may this identity do that?" as the API server's authorizer does. Internal.
 */
public final class Identity {

  /** How long a token handed to tests lives: long enough for a test class, then it expires. */
  static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

  private Identity() {}

  /**
   * A client of the same API server that authenticates as {@code namespace/serviceAccount} and
   * nothing else (no client certificate).
   */
  public static KubernetesClient clientAs(
      KubernetesClient admin, String kubeconfigYaml, String namespace, String serviceAccount) {
    if (admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount).get() == null) {
      throw new SandboxException(
          "ServiceAccount "
              + namespace
              + "/"
              + serviceAccount
              + " does not exist in the sandbox. Apply the manifests that create it (`kubectl get"
              + " serviceaccounts -n "
              + namespace
              + "` lists those there).");
    }
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withAudiences(List.of())
            .withExpirationSeconds(TOKEN_LIFETIME.toSeconds())
            .endSpec()
            .build();
    String token;
    try {
      token =
          admin
              .serviceAccounts()
              .inNamespace(namespace)
              .withName(serviceAccount)
              .tokenRequest(request)
              .getStatus()
              .getToken();
    } catch (KubernetesClientException e) {
      throw new SandboxException(
          "Could not get a token for ServiceAccount "
              + namespace
              + "/"
              + serviceAccount
              + ": "
              + e.getMessage(),
          e);
    }
    Config config = Config.fromKubeconfig(kubeconfigYaml);
    config.setClientCertData(null);
    config.setClientKeyData(null);
    config.setClientCertFile(null);
    config.setClientKeyFile(null);
    config.setUsername(null);
    config.setPassword(null);
    config.setOauthToken(token);
    config.setNamespace(namespace);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * What the authorizer says of {@code user} doing {@code verb} on {@code resource} (plural, with
   * {@code .group} and {@code /subresource} as {@code kubectl auth can-i} takes them) in {@code
   * namespace} (empty: cluster-wide).
   *
   * @param user a user name, or {@code system:serviceaccount:<namespace>:<name>}
   */
  public static Answer canI(
      KubernetesClient admin,
      String kubeconfigYaml,
      String user,
      String verb,
      String resource,
      Optional<String> namespace) {
    var attributes = attributes(verb, resource, namespace);
    String[] account = user.split(":");
    if (account.length == 4 && user.startsWith("system:serviceaccount:")) {
      // the real token: the answer is the one the application's own requests get
      try (KubernetesClient as = clientAs(admin, kubeconfigYaml, account[2], account[3])) {
        SelfSubjectAccessReview review =
            new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withResourceAttributes(attributes)
                .endSpec()
                .build();
        var status = as.authorization().v1().selfSubjectAccessReview().create(review).getStatus();
        return new Answer(Boolean.TRUE.equals(status.getAllowed()), reason(status.getReason()));
      }
    }
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user)
            .withGroups("system:authenticated")
            .withResourceAttributes(attributes)
            .endSpec()
            .build();
    var status = admin.authorization().v1().subjectAccessReview().create(review).getStatus();
    return new Answer(Boolean.TRUE.equals(status.getAllowed()), reason(status.getReason()));
  }

  /**
   * @param allowed whether the request would be let through
   * @param reason the authorizer's reason (for RBAC, the binding that allows it), may be empty
   */
  public record Answer(boolean allowed, String reason) {}

  private static io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes attributes(
      String verb, String resource, Optional<String> namespace) {
    String name = resource;
    String subresource = "";
    if (name.contains("/")) {
      subresource = name.substring(name.indexOf('/') + 1);
      name = name.substring(0, name.indexOf('/'));
    }
    String group = "";
    if (name.contains(".")) {
      group = name.substring(name.indexOf('.') + 1);
      name = name.substring(0, name.indexOf('.'));
    }
    return new ResourceAttributesBuilder()
        .withVerb(verb)
        .withResource(name)
        .withGroup(group)
        .withSubresource(subresource)
        .withNamespace(namespace.orElse(""))
        .build();
  }

  private static String reason(String reason) {
    return reason == null ? "" : reason;
  }
}
