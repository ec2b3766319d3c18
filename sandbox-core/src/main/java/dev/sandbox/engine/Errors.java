package dev.sandbox.engine;

import dev.sandbox.SandboxException;

/** The one place that picks the message worth showing from a chain of causes. Internal. */
public final class Errors {

  private Errors() {}

  /** The first message in the cause chain that says something about the real problem. */
  public static String rootMessage(Throwable error) {
    Throwable cursor = error;
    String message = error.getMessage();
    while (cursor != null) {
      if (cursor instanceof SandboxException && cursor.getMessage() != null) {
        return cursor.getMessage();
      }
      if (cursor.getMessage() != null) {
        message = cursor.getMessage();
      }
      cursor = cursor.getCause() == cursor ? null : cursor.getCause();
    }
    return message;
  }
}
