package dev.sandbox;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as users write them in stack files, annotations and flags: {@code 90s}, {@code 5m},
 * {@code 1h30m}.
 */
public final class Durations {

  private static final Pattern FORMAT = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

  private Durations() {}

  /** The duration, or empty when {@code text} is not of that form or is zero. */
  public static Optional<Duration> parse(String text) {
    Matcher matcher = FORMAT.matcher(text);
    if (text.isEmpty() || !matcher.matches()) {
      return Optional.empty();
    }
    long seconds =
        (matcher.group(1) == null ? 0 : Long.parseLong(matcher.group(1)) * 3600)
            + (matcher.group(2) == null ? 0 : Long.parseLong(matcher.group(2)) * 60)
            + (matcher.group(3) == null ? 0 : Long.parseLong(matcher.group(3)));
    return seconds == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
  }
}
