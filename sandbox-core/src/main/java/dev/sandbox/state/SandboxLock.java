package dev.sandbox.state;

import dev.sandbox.SandboxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * A per-sandbox lock across processes ({@code <root>/.locks/<name>.lock}, an OS file lock): two
 * {@code up} of one name never race, and {@code down} waits for an {@code up} in flight. The OS
 * releases it when the holding process dies, even by {@code kill -9}, so a stale lock never blocks.
 * The file records who holds it, for the waiting side's message. Internal.
 */
public final class SandboxLock implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(200);

  private final FileChannel channel;
  private final FileLock lock;

  private SandboxLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static SandboxLock acquire(Path file, String name, Duration wait, Consumer<String> onWait) {
    Instant deadline = Instant.now().plus(wait);
    FileChannel channel = open(file);
    boolean told = false;
    try {
      while (true) {
        FileLock lock = tryLock(channel);
        if (lock != null) {
          record(channel);
          return new SandboxLock(channel, lock);
        }
        String holder = holder(file);
        if (!told) {
          onWait.accept(
              "another sandbox command ("
                  + holder
                  + ") is starting or removing '"
                  + name
                  + "'; waiting for it (at most "
                  + wait.toSeconds()
                  + " s)");
          told = true;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new SandboxException.Busy(
              "Another sandbox command ("
                  + holder
                  + ") still holds '"
                  + name
                  + "' after "
                  + wait.toSeconds()
                  + " s. Let it finish, or stop that process; its lock goes with it.");
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(channel);
      throw new SandboxException("Interrupted while waiting for the lock of '" + name + "'.", e);
    } catch (RuntimeException e) {
      close(channel);
      throw e;
    }
  }

  private static FileChannel open(Path file) {
    try {
      Path dir = file.getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
      }
      return FileChannel.open(
          file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new SandboxException("Cannot open the lock file " + file + ": " + e.getMessage(), e);
    }
  }

  private static FileLock tryLock(FileChannel channel) {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held by another thread of this JVM
    } catch (IOException e) {
      throw new SandboxException("Cannot lock " + channel + ": " + e.getMessage(), e);
    }
  }

  private static void record(FileChannel channel) {
    try {
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              ("pid " + ProcessHandle.current().pid() + " since " + Instant.now())
                  .getBytes(StandardCharsets.UTF_8)),
          0);
    } catch (IOException e) {
      // the holder's description is only for messages
    }
  }

  private static String holder(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "unknown process" : text;
    } catch (IOException e) {
      return "unknown process";
    }
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing held
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it as well
    }
    close(channel);
  }
}
