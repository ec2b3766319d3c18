package dev.sandbox.stack;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The 12-hex-digit SHA-256 prefix the sandbox uses to recognise what changed: a stack's parts, the
 * files it applies, the monitoring pack. One definition, so two of them never disagree.
 */
public final class ShortHash {

  private static final int LENGTH = 12;

  private ShortHash() {}

  /** The short hash of {@code text} (UTF-8). */
  public static String of(String text) {
    MessageDigest digest = sha256();
    digest.update(text.getBytes(StandardCharsets.UTF_8));
    return of(digest);
  }

  /** The short hash of what {@code digest} was fed (see {@link #sha256()}). */
  public static String of(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest()).substring(0, LENGTH);
  }

  /** A fresh SHA-256 digest to feed several inputs to, then {@link #of(MessageDigest)}. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
