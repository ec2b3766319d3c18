package dev.sandbox.k3s;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.ClusterSnapshot;
import dev.sandbox.SandboxException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.Checksum;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.images.builder.Transferable;

/**
 * Snapshots of a ready k3s server: its datastore, certificates and credentials ({@code
 * /var/lib/rancher/k3s/server}) as a gzipped tar, taken once the node is Ready and CoreDNS
 * available, before the sandbox puts anything of its own into the cluster. A node created with the
 * same image and the same k3s command boots from a copy of it instead of a fresh datastore, which
 * skips k3s's first-boot work (certificates, add-on installs, scheduling of the system pods).
 *
 * <p>A snapshot is keyed by the node image's ID and the k3s command, so another image or other
 * flags never boot from it. It holds the cluster CA's private keys, so its folder and files are the
 * owner's only. Internal.
 */
public final class ClusterSnapshots {

  /** What a snapshot holds, inside the node. */
  static final String SERVER_PATH = "/var/lib/rancher/k3s/server";

  /** k3s's node password, outside the server folder; carried along when the node has one. */
  static final String NODE_PATH = "/etc/rancher/node";

  /** The node password's entries in a snapshot ({@code node/...}), and where they go back to. */
  private static final String NODE_ROOT = NODE_PATH.substring(NODE_PATH.lastIndexOf('/') + 1) + "/";

  private static final String NODE_PARENT = NODE_PATH.substring(1, NODE_PATH.lastIndexOf('/') + 1);

  /** Where a snapshot is unpacked into a created node (the tar's root is {@code server/}). */
  static final String PARENT_PATH = "/var/lib/rancher/k3s";

  /** Bumped when what a snapshot holds or how it is restored changes. */
  private static final String FORMAT = "1";

  private static final String SUFFIX = ".tar.gz";

  private final Path folder;

  public ClusterSnapshots(Path folder) {
    this.folder = folder;
  }

  /** The key of the node image {@code imageId} started with {@code command}. */
  public static String key(String imageId, List<String> command) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(
          ("format " + FORMAT + "\nimage " + imageId + "\n").getBytes(StandardCharsets.UTF_8));
      for (String part : command) {
        sha.update(("arg " + part + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return "k3s-" + HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The snapshot file of {@code key}, whether or not it exists. */
  public Path file(String key) {
    return folder.resolve(key + SUFFIX);
  }

  /** The snapshot of {@code key}, when one was taken. */
  public Optional<Path> find(String key) {
    Path file = file(key);
    return Files.isRegularFile(file) && !unusable(key) ? Optional.of(file) : Optional.empty();
  }

  private static final String UNUSABLE = ".unusable";

  /**
   * True when a node of {@code key} failed to come up from a snapshot on this machine: nodes of
   * that key boot afresh and take none, so an image whose k3s does not survive the copy costs one
   * slow start, not one per start ({@code gc --snapshots} forgets it).
   */
  public boolean unusable(String key) {
    return Files.exists(folder.resolve(key + UNUSABLE));
  }

  /**
   * Records that nodes of {@code key} do not come up from a snapshot here; removes the snapshot.
   */
  public void markUnusable(String key) {
    try {
      Files.createDirectories(folder);
      Files.writeString(
          folder.resolve(key + UNUSABLE),
          "A node of this k3s image and flags did not come up from a cluster snapshot on "
              + Instant.now()
              + "; its nodes boot afresh. `sandbox gc --snapshots` removes this file.\n");
      discard(key);
    } catch (IOException e) {
      throw new SandboxException("Cannot write to " + folder + ": " + e, e);
    }
  }

  /** Every snapshot in the folder, newest first. */
  public List<ClusterSnapshot> list() {
    List<ClusterSnapshot> snapshots = new ArrayList<>();
    if (!Files.isDirectory(folder)) {
      return snapshots;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*" + SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        snapshots.add(
            new ClusterSnapshot(
                name.substring(0, name.length() - SUFFIX.length()),
                file,
                Files.size(file),
                Files.getLastModifiedTime(file).toInstant()));
      }
    } catch (IOException e) {
      throw new SandboxException("Cannot list the cluster snapshots in " + folder + ": " + e, e);
    }
    snapshots.sort(java.util.Comparator.comparing(ClusterSnapshot::taken).reversed());
    return snapshots;
  }

  /** Removes the snapshot of {@code key}; true when there was one. */
  public boolean discard(String key) {
    try {
      return Files.deleteIfExists(file(key));
    } catch (IOException e) {
      throw new SandboxException("Cannot remove the cluster snapshot " + file(key) + ": " + e, e);
    }
  }

  /**
   * The snapshot as Testcontainers copies files into a created container: its entries, re-rooted
   * under the destination folder, streamed from the compressed file.
   */
  static Transferable transferable(
      Path snapshot, java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
    return new Transferable() {
      @Override
      public long getSize() {
        try {
          return Files.size(snapshot);
        } catch (IOException e) {
          return 0;
        }
      }

      @Override
      public String getDescription() {
        return "cluster snapshot " + snapshot;
      }

      @Override
      public void updateChecksum(Checksum checksum) {
        byte[] identity =
            (snapshot + ":" + getSize() + ":" + modified()).getBytes(StandardCharsets.UTF_8);
        checksum.update(identity, 0, identity.length);
      }

      private long modified() {
        try {
          return Files.getLastModifiedTime(snapshot).toMillis();
        } catch (IOException e) {
          return 0;
        }
      }

      @Override
      public void transferTo(TarArchiveOutputStream out, String destination) {
        String prefix = destination.replaceFirst("^/+", "").replaceFirst("/*$", "/");
        try (TarArchiveInputStream in =
            new TarArchiveInputStream(
                new GZIPInputStream(
                    new java.io.BufferedInputStream(Files.newInputStream(snapshot)), 1 << 16))) {
          copyEntries(
              in, out, name -> name.startsWith(NODE_ROOT) ? NODE_PARENT + name : prefix + name);
        } catch (IOException | RuntimeException e) {
          // Testcontainers runs this on a thread of its own and only closes the stream on a
          // failure: the node would start on part of the datastore, so the engine is told
          failure.compareAndSet(null, e);
          throw new java.io.UncheckedIOException(
              "The cluster snapshot " + snapshot + " could not be read: " + e.getMessage(),
              e instanceof IOException io ? io : new IOException(e));
        }
      }
    };
  }

  /**
   * True for a file that holds nothing but space reserved ahead: etcd's next WAL segment ({@code
   * member/wal/0.tmp}, 64 MB of zeros), which it allocates again when it starts. Leaving it out
   * halves what a node booting from the snapshot has copied in.
   */
  static boolean preallocated(String name) {
    return name.matches("(.*/)?member/wal/[0-9]+\\.tmp");
  }

  /** An etcd write-ahead-log segment ({@code member/wal/<seq>-<index>.wal}). */
  static boolean walSegment(String name) {
    return name.matches("(.*/)?member/wal/[0-9a-f]+-[0-9a-f]+\\.wal");
  }

  /**
   * The part of an etcd WAL segment that etcd reads: its frames up to the first empty one. etcd
   * preallocates every segment to 64 MB of zeros and stops reading at a frame whose length field is
   * zero; when it opens the last segment for writing it cuts it there and writes on (it allocates
   * the next segment when this one is full). A few MiB of a just-booted cluster's 64 MB, so a node
   * booting from the snapshot has that much less copied in. A frame is a little-endian 64-bit
   * length field (record bytes in the low 56 bits; when negative, pad bytes in bits 56-58) followed
   * by the record and its padding. Anything that does not parse so is kept whole.
   */
  static byte[] walRecords(InputStream in, long size) throws IOException {
    java.io.ByteArrayOutputStream used = new java.io.ByteArrayOutputStream();
    long at = 0;
    while (size - at >= Long.BYTES) {
      byte[] field = readExactly(in, Long.BYTES);
      long length =
          java.nio.ByteBuffer.wrap(field).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
      if (length == 0) {
        return used.toByteArray();
      }
      long record = length & ~(0xFFL << 56);
      long padding = length < 0 ? (length >>> 56) & 0x7 : 0;
      used.write(field);
      at += Long.BYTES;
      if (record + padding > size - at) {
        break; // not a frame that fits: keep the rest as it is
      }
      used.write(readExactly(in, (int) (record + padding)));
      at += record + padding;
    }
    in.transferTo(used);
    return used.toByteArray();
  }

  private static byte[] readExactly(InputStream in, int length) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw new java.io.EOFException("WAL segment shorter than its entry says");
    }
    return bytes;
  }

  /**
   * Copies every entry of {@code in} to {@code out} under the name {@code rename} gives it (hard
   * link targets too), with its mode, owner and time; an entry renamed to null is left out.
   */
  static void copyEntries(
      TarArchiveInputStream in,
      TarArchiveOutputStream out,
      java.util.function.UnaryOperator<String> rename)
      throws IOException {
    copyEntries(in, out, rename, name -> false);
  }

  /**
   * {@link #copyEntries(TarArchiveInputStream, TarArchiveOutputStream,
   * java.util.function.UnaryOperator)}, keeping of the entries {@code walSegments} accepts only
   * {@link #walRecords what etcd reads}.
   */
  static void copyEntries(
      TarArchiveInputStream in,
      TarArchiveOutputStream out,
      java.util.function.UnaryOperator<String> rename,
      java.util.function.Predicate<String> walSegments)
      throws IOException {
    TarArchiveEntry entry;
    while ((entry = in.getNextEntry()) != null) {
      String name = rename.apply(entry.getName());
      if (name == null) {
        continue;
      }
      TarArchiveEntry copy = new TarArchiveEntry(name, entry.getLinkFlag());
      if (entry.isSymbolicLink()) {
        copy.setLinkName(entry.getLinkName());
      } else if (entry.isLink()) {
        // a hard link names another entry of the same archive, which moved too
        copy.setLinkName(rename.apply(entry.getLinkName()));
      }
      copy.setMode(entry.getMode());
      copy.setModTime(entry.getModTime());
      copy.setUserId(entry.getLongUserId());
      copy.setGroupId(entry.getLongGroupId());
      boolean data =
          !entry.isDirectory() && !entry.isSymbolicLink() && !entry.isLink() && entry.getSize() > 0;
      byte[] trimmed =
          data && walSegments.test(entry.getName()) ? walRecords(in, entry.getSize()) : null;
      if (data) {
        copy.setSize(trimmed != null ? trimmed.length : entry.getSize());
      }
      out.putArchiveEntry(copy);
      if (trimmed != null) {
        out.write(trimmed);
      } else if (data) {
        in.transferTo(out);
      }
      out.closeArchiveEntry();
    }
  }

  /** What taking a snapshot cost. */
  public record Taken(Path file, long bytes, Duration paused, Duration took) {}

  /** Part files older than this were left by a process that died while taking a snapshot. */
  private static final Duration STALE_PART = Duration.ofHours(1);

  /**
   * Takes the snapshot of {@code key} from the running node {@code containerId}: the node is paused
   * (frozen) while its server folder is copied out, so the datastore is what a power cut at that
   * instant would leave — which SQLite and etcd both recover from. The copy is then compressed and
   * moved into place in one step (a reader never sees half a snapshot) on a thread of its own, so
   * the caller goes on once the node runs again; the future says how it ended.
   */
  public java.util.concurrent.CompletableFuture<Taken> take(
      DockerClient docker, String containerId, String key) {
    Instant begin = Instant.now();
    Path raw = null;
    Path node = null;
    Duration paused;
    try {
      Files.createDirectories(folder);
      ownerOnly(folder, "rwx------");
      removeStaleParts();
      raw = Files.createTempFile(folder, key, ".tar.part");
      ownerOnly(raw, "rw-------");
      node = Files.createTempFile(folder, key, ".node.tar.part");
      ownerOnly(node, "rw-------");
      docker.pauseContainerCmd(containerId).exec();
      Instant frozen = Instant.now();
      try (InputStream in = docker.copyArchiveFromContainerCmd(containerId, SERVER_PATH).exec()) {
        Files.copy(in, raw, StandardCopyOption.REPLACE_EXISTING);
        // k3s's node password, checked against the one the datastore keeps for the node
        try (InputStream password =
            docker.copyArchiveFromContainerCmd(containerId, NODE_PATH).exec()) {
          Files.copy(password, node, StandardCopyOption.REPLACE_EXISTING);
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
          deleteQuietly(node); // a k3s without one (this project's stand-in)
          node = null;
        }
      } finally {
        unpause(docker, containerId);
        paused = Duration.between(frozen, Instant.now());
      }
    } catch (NodeLeftPaused e) {
      deleteQuietly(raw);
      deleteQuietly(node);
      throw e;
    } catch (IOException | RuntimeException e) {
      deleteQuietly(raw);
      deleteQuietly(node);
      return java.util.concurrent.CompletableFuture.failedFuture(
          new SandboxException("Taking a snapshot of the ready cluster failed: " + e, e));
    }
    Path copied = raw;
    Path password = node;
    java.util.concurrent.CompletableFuture<Taken> packing =
        new java.util.concurrent.CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                packing.complete(pack(copied, password, key, paused, begin));
              } catch (RuntimeException e) {
                packing.completeExceptionally(e);
              }
            },
            "sandbox-snapshot");
    thread.setDaemon(true);
    thread.start();
    return packing;
  }

  /** The node could not be resumed after the copy: the sandbox cannot go on. */
  static final class NodeLeftPaused extends SandboxException {
    NodeLeftPaused(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static void unpause(DockerClient docker, String containerId) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        docker.unpauseContainerCmd(containerId).exec();
        return;
      } catch (RuntimeException e) {
        last = e;
        try {
          Thread.sleep(200L * (attempt + 1));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new NodeLeftPaused(
        "The k3s node was paused for a cluster snapshot and could not be resumed ("
            + SandboxException.describe(last)
            + "). Run `docker unpause "
            + containerId
            + "` or `sandbox down`.",
        last);
  }

  private Taken pack(Path raw, Path node, String key, Duration paused, Instant begin) {
    Path packed = null;
    try {
      packed = Files.createTempFile(folder, key, ".gz.part");
      ownerOnly(packed, "rw-------");
      try (OutputStream out =
              new GZIPOutputStream(
                  new BufferedOutputStream(Files.newOutputStream(packed)), 1 << 16) {
                {
                  def.setLevel(Deflater.BEST_SPEED);
                }
              };
          TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (Path part : node == null ? List.of(raw) : List.of(raw, node)) {
          try (TarArchiveInputStream in =
              new TarArchiveInputStream(
                  new java.io.BufferedInputStream(Files.newInputStream(part), 1 << 16))) {
            copyEntries(
                in, tar, name -> preallocated(name) ? null : name, ClusterSnapshots::walSegment);
          }
        }
      }
      Path target = file(key);
      try {
        Files.move(packed, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(packed, target, StandardCopyOption.REPLACE_EXISTING);
      }
      packed = null;
      return new Taken(target, Files.size(target), paused, Duration.between(begin, Instant.now()));
    } catch (IOException | RuntimeException e) {
      throw new SandboxException("Taking a snapshot of the ready cluster failed: " + e, e);
    } finally {
      deleteQuietly(raw);
      deleteQuietly(node);
      deleteQuietly(packed);
    }
  }

  /**
   * Removes the part files of snapshots being written (by a process that may have died) and the
   * marks of keys whose nodes did not come up from a snapshot.
   */
  public void removeParts() {
    if (Files.isDirectory(folder)) {
      try {
        try (DirectoryStream<Path> marks = Files.newDirectoryStream(folder, "*" + UNUSABLE)) {
          for (Path mark : marks) {
            deleteQuietly(mark);
          }
        }
        removeParts(Instant.now().plusSeconds(1));
      } catch (IOException e) {
        throw new SandboxException("Cannot clean " + folder + ": " + e, e);
      }
    }
  }

  private void removeStaleParts() throws IOException {
    removeParts(Instant.now().minus(STALE_PART));
  }

  private void removeParts(Instant before) throws IOException {
    try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder, "*.part")) {
      for (Path part : parts) {
        if (Files.getLastModifiedTime(part).toInstant().isBefore(before)) {
          deleteQuietly(part);
        }
      }
    }
  }

  private static void ownerOnly(Path path, String permissions) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system (Windows): the user's profile folder is private already
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // a stray .part file is removed with the folder
      }
    }
  }
}
