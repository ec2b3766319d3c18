package dev.sandbox;

import java.math.BigInteger;
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
  private static final BigInteger LONGEST = BigInteger.valueOf(Long.MAX_VALUE);

  private Durations() {}

  /**
   * The duration, or empty when {@code text} is not of that form, is zero, or is too long for a
   * {@link Duration}. Never throws.
   */
  public static Optional<Duration> parse(String text) {
    return seconds(text)
        .filter(s -> s.signum() > 0 && s.compareTo(LONGEST) <= 0)
        .map(s -> Duration.ofSeconds(s.longValueExact()));
  }

  /**
   * What is wrong with {@code text} as a duration from one second up to {@code max}, phrased to
   * follow the quoted value ("'0s' is zero; ..."), or empty when it is one.
   */
  public static Optional<String> problem(String text, Duration max) {
    Optional<BigInteger> seconds = seconds(text);
    String range =
        "expected a duration from 1s to " + format(max) + ", for example 90s, 5m or 1h30m.";
    if (seconds.isEmpty()) {
      return Optional.of("is not a duration; expected for example 90s, 5m or 1h30m.");
    }
    if (seconds.get().signum() == 0) {
      return Optional.of("is zero; " + range);
    }
    if (seconds.get().compareTo(BigInteger.valueOf(max.toSeconds())) > 0) {
      return Optional.of("is longer than " + format(max) + "; " + range);
    }
    return Optional.empty();
  }

  /** {@code 1h30m}, {@code 24h}, {@code 90s}: the form {@link #parse} reads. */
  public static String format(Duration duration) {
    long total = duration.toSeconds();
    StringBuilder text = new StringBuilder();
    if (total >= 3600) {
      text.append(total / 3600).append('h');
    }
    if (total % 3600 >= 60) {
      text.append(total % 3600 / 60).append('m');
    }
    if (total % 60 > 0 || total == 0) {
      text.append(total % 60).append('s');
    }
    return text.toString();
  }

  /** Exact seconds, however many digits were written; empty when not of the form. */
  private static Optional<BigInteger> seconds(String text) {
    Matcher matcher = FORMAT.matcher(text);
    if (text.isEmpty() || !matcher.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        part(matcher.group(1), 3600)
            .add(part(matcher.group(2), 60))
            .add(part(matcher.group(3), 1)));
  }

  private static BigInteger part(String digits, long unit) {
    return digits == null
        ? BigInteger.ZERO
        : new BigInteger(digits).multiply(BigInteger.valueOf(unit));
  }
}
