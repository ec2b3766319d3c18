package dev.sandbox.testservice;

/** How to reach the test-only greeter from the host. */
public record GreeterEndpoint(String url, String token) {

  @Override
  public String toString() {
    return "GreeterEndpoint[" + url + "]";
  }
}
