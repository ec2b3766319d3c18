package dev.sandbox.k3s;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds in a log what a JVM died of: the last stack trace's exception line and its {@code Caused
 * by:} lines, without the frames. The last ten lines of a crashed Spring Boot application are stack
 * frames; the cause ("Connection to orders-db:5432 refused") is many lines above. Internal.
 */
final class LogCause {

  /** {@code [Exception in thread "main" ]pkg.SomeException[: message]}. */
  private static final Pattern THROWABLE =
      Pattern.compile(
          "^(Exception in thread \"[^\"]*\" )?([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error|Throwable)(:.*)?$");

  private static final Pattern FRAME = Pattern.compile("^\\s+(at |\\.\\.\\. \\d+ more)");

  private LogCause() {}

  /** The last stack trace's exception and causes, or empty when the log holds no stack trace. */
  static List<String> exception(String log) {
    List<String> lines = log.lines().toList();
    int start = -1;
    for (int i = lines.size() - 2; i >= 0; i--) {
      if (THROWABLE.matcher(lines.get(i).strip()).matches()
          && FRAME.matcher(lines.get(i + 1)).find()) {
        start = i;
        break;
      }
    }
    if (start < 0) {
      return List.of();
    }
    List<String> result = new ArrayList<>();
    result.add(lines.get(start).strip());
    for (int i = start + 1; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.startsWith("Caused by:")) {
        result.add(line);
      }
    }
    return result;
  }
}
