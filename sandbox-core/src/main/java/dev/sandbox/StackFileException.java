package dev.sandbox;

import java.util.Optional;

/**
 * A stack file is malformed or inconsistent. The message has the form {@code file:line:column: key:
 * what is wrong. what to do}, the way compilers report errors, so editors and terminals can jump to
 * the spot.
 */
public final class StackFileException extends SandboxException {

  private final String file;
  private final int line;
  private final int column;
  private final String key;
  private final String problem;

  /**
   * @param file the file as the user named it
   * @param line 1-based line, or 0 when unknown
   * @param column 1-based column, or 0 when unknown
   * @param key the dotted key path, for example {@code services.postgres.version}; empty for the
   *     whole document
   * @param problem what is wrong and what to do
   */
  public StackFileException(String file, int line, int column, String key, String problem) {
    super(format(file, line, column, key, problem));
    this.file = file;
    this.line = line;
    this.column = column;
    this.key = key;
    this.problem = problem;
  }

  private static String format(String file, int line, int column, String key, String problem) {
    StringBuilder text = new StringBuilder(file);
    if (line > 0) {
      text.append(':').append(line);
      if (column > 0) {
        text.append(':').append(column);
      }
    }
    text.append(": ");
    if (!key.isEmpty()) {
      text.append(key).append(": ");
    }
    return text.append(problem).toString();
  }

  public String file() {
    return file;
  }

  /** 1-based line of the offending node. */
  public int line() {
    return line;
  }

  /** 1-based column of the offending node. */
  public int column() {
    return column;
  }

  /** Dotted path of the offending key, empty for the document itself. */
  public String key() {
    return key;
  }

  /** What is wrong and what to do, without the location prefix. */
  public String problem() {
    return problem;
  }

  /** The key path, when the error concerns one key. */
  public Optional<String> keyPath() {
    return key.isEmpty() ? Optional.empty() : Optional.of(key);
  }
}
