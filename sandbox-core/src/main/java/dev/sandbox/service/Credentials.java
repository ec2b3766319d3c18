package dev.sandbox.service;

import java.security.SecureRandom;
import java.util.Base64;

/** Generated credentials of one service of one sandbox. Internal. */
public record Credentials(String username, String password) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A new user {@code sandbox} with a random 24-character password. */
  public static Credentials generate() {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    return new Credentials(
        "sandbox", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  @Override
  public String toString() {
    return "Credentials[username=" + username + ", password=***]";
  }
}
