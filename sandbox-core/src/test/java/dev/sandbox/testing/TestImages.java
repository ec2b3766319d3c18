package dev.sandbox.testing;

/**
 * The official image names the tests ask for; the image map (SANDBOX_CONFIG) maps them. One place.
 */
public final class TestImages {

  public static final String K3S = "rancher/k3s:v1.34.4-k3s1";
  public static final String POSTGRES = "postgres:17";
  public static final String RABBITMQ = "rabbitmq:4.1-management";
  public static final String JRE = "eclipse-temurin:21-jre";

  private TestImages() {}
}
