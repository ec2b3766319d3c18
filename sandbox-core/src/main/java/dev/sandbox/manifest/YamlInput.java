package dev.sandbox.manifest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads the YAML files a stack names (the stack file, manifests, rule and policy files) so that bad
 * input fails early with a located message instead of a parser crash or hang: size is checked on
 * disk before reading, bytes must be UTF-8 text, and nesting is capped before a document is
 * composed. Internal.
 *
 * <p>snakeyaml-engine composes and constructs nodes recursively (3,000 levels overflow the stack),
 * has no nesting limit in its {@link LoadSettings}, and its code point limit is checked only after
 * a comment was consumed. Scanning a long token is quadratic in its length unless the read buffer
 * holds the whole text, hence {@link #settings}.
 */
public final class YamlInput {

  /** The largest stack file read. */
  public static final long STACK_FILE_LIMIT = 1024 * 1024;

  /** The largest manifest, kustomization, rule or policy file read. */
  public static final long FILE_LIMIT = 8L * 1024 * 1024;

  /** The deepest nesting of mappings and lists accepted. */
  public static final int MAX_DEPTH = 200;

  private YamlInput() {}

  /** Builds the exception for a problem at a 1-based line and column (0 when unknown). */
  @FunctionalInterface
  public interface Failure {
    RuntimeException at(int line, int column, String problem);
  }

  /**
   * The text of {@code file}: a regular file of at most {@code limit} bytes, UTF-8, without a byte
   * order mark, nested at most {@link #MAX_DEPTH} levels.
   */
  public static String read(Path file, long limit, Failure failure) {
    if (Files.isSymbolicLink(file)) {
      symlinkProblem(file).ifPresent(problem -> fail(failure, 0, 0, problem));
    }
    if (Files.isDirectory(file)) {
      throw failure.at(0, 0, "is a folder; expected a YAML file.");
    }
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > limit) {
        throw failure.at(0, 0, tooLarge(size, limit));
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw failure.at(0, 0, "does not exist.");
    } catch (IOException e) {
      throw failure.at(
          0, 0, "cannot be read (" + reason(e) + "). Check that the file is readable.");
    }
    if (bytes.length > limit) { // grew while we looked
      throw failure.at(0, 0, tooLarge(bytes.length, limit));
    }
    String text = decode(bytes, failure);
    checkDepth(text, failure);
    return text;
  }

  /** Checks text that did not come from a file the way {@link #read} checks a file. */
  public static String check(String text, long limit, Failure failure) {
    if (text.length() > limit) {
      throw failure.at(0, 0, tooLarge(text.length(), limit));
    }
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
    checkDepth(body, failure);
    return body;
  }

  /**
   * Load settings for {@code text}: the read buffer holds the whole text (see the class comment).
   */
  public static LoadSettings settings(String label, String text, boolean allowDuplicateKeys) {
    return LoadSettings.builder()
        .setLabel(label)
        .setAllowDuplicateKeys(allowDuplicateKeys)
        .setBufferSize(Math.max(1024, text.length() + 1))
        .build();
  }

  /**
   * Strict UTF-8; a leading byte order mark is dropped. NUL bytes mean a binary file even though
   * they are valid UTF-8.
   */
  static String decode(byte[] bytes, Failure failure) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      notText(bytes, in.position(), failure);
    }
    decoder.flush(out);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        notText(bytes, i, failure);
      }
    }
    out.flip();
    String text = out.toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static void notText(byte[] bytes, int offset, Failure failure) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n') {
        line++;
      }
    }
    String why =
        bytes[offset] == 0
            ? "it holds NUL bytes, so it is a binary file"
            : String.format(Locale.ROOT, "0x%02X is not valid UTF-8 there", bytes[offset] & 0xff);
    throw failure.at(
        line,
        0,
        "not UTF-8 text (byte "
            + (offset + 1)
            + "): "
            + why
            + ". Save YAML as UTF-8 text; binary files cannot be read.");
  }

  /**
   * Walks the parser's events (iterative, unlike composing) and stops at the first collection
   * deeper than {@link #MAX_DEPTH}. Syntax errors are left to the composer, which reports them with
   * its own context.
   */
  static void checkDepth(String text, Failure failure) {
    int depth = 0;
    try {
      for (Event event : new Parse(settings("", text, true)).parseString(text)) {
        switch (event.getEventId()) {
          case MappingStart, SequenceStart -> {
            if (++depth > MAX_DEPTH) {
              int line = event.getStartMark().map(Mark::getLine).orElse(-1) + 1;
              throw failure.at(
                  0,
                  0,
                  "nesting deeper than "
                      + MAX_DEPTH
                      + " levels (line "
                      + line
                      + "). No Kubernetes object or stack file needs that; check for a generated or"
                      + " corrupted file.");
            }
          }
          case MappingEnd, SequenceEnd -> depth--;
          default -> {}
        }
      }
    } catch (MarkedYamlEngineException e) {
      // reported, with its position, when the text is composed
    } catch (YamlEngineException e) {
      // likewise (for example a document over the code point limit)
    }
  }

  /** Why a symbolic link cannot be followed, or empty when it leads to something. */
  public static Optional<String> symlinkProblem(Path link) {
    if (Files.exists(link)) {
      return Optional.empty();
    }
    Set<Path> seen = new LinkedHashSet<>();
    Path current = link.toAbsolutePath().normalize();
    while (Files.isSymbolicLink(current)) {
      if (!seen.add(current)) {
        StringBuilder chain = new StringBuilder();
        for (Path step : seen) {
          chain.append(step.getFileName()).append(" -> ");
        }
        chain.append(current.getFileName());
        return Optional.of(
            "is a symlink loop ("
                + chain
                + "). Point the link at a real file or folder, or remove it.");
      }
      try {
        Path target = Files.readSymbolicLink(current);
        current = current.resolveSibling(target).normalize();
      } catch (IOException e) {
        return Optional.of("is a symlink that cannot be followed (" + reason(e) + ").");
      }
      if (seen.size() > 40) {
        return Optional.of("is a chain of more than 40 symlinks. Point it at the file directly.");
      }
    }
    if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(
          "is a symlink to " + current + ", which does not exist. Fix or remove the link.");
    }
    return Optional.empty();
  }

  static String tooLarge(long size, long limit) {
    return String.format(
        Locale.ROOT,
        "the file is %.1f MB; the limit is %d MB. Split it into smaller files or remove what it does not need.",
        size / (1024.0 * 1024.0),
        limit / (1024 * 1024));
  }

  private static String reason(IOException e) {
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void fail(Failure failure, int line, int column, String problem) {
    throw failure.at(line, column, problem);
  }
}
