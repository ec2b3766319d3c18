package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSnapshotsTest {

  @TempDir Path dir;

  @Test
  void the_key_changes_with_the_node_image_and_every_k3s_flag() {
    String key = ClusterSnapshots.key("sha256:aa", K3sNode.command(false, "localhost"));
    assertThat(key).matches("k3s-[0-9a-f]{16}");
    assertThat(ClusterSnapshots.key("sha256:aa", K3sNode.command(false, "localhost")))
        .isEqualTo(key);
    assertThat(ClusterSnapshots.key("sha256:bb", K3sNode.command(false, "localhost")))
        .isNotEqualTo(key);
    assertThat(ClusterSnapshots.key("sha256:aa", K3sNode.command(true, "localhost")))
        .isNotEqualTo(key);
  }

  @Test
  void a_snapshot_is_copied_in_under_the_k3s_folders_with_modes_owners_and_links()
      throws Exception {
    Path snapshot = dir.resolve("k3s-0123456789abcdef.tar.gz");
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(snapshot)))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      directory(tar, "server/", 0755);
      file(tar, "server/token", 0600, "secret");
      file(tar, "server/db/" + "x".repeat(120), 0600, "long name");
      TarArchiveEntry symlink = new TarArchiveEntry("server/current", TarConstants.LF_SYMLINK);
      symlink.setLinkName("db");
      tar.putArchiveEntry(symlink);
      tar.closeArchiveEntry();
      TarArchiveEntry hardlink = new TarArchiveEntry("server/token-copy", TarConstants.LF_LINK);
      hardlink.setLinkName("server/token");
      tar.putArchiveEntry(hardlink);
      tar.closeArchiveEntry();
      directory(tar, "node/", 0700);
      file(tar, "node/password", 0600, "node password");
    }

    AtomicReference<Throwable> failure = new AtomicReference<>();
    ByteArrayOutputStream copied = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(copied)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      ClusterSnapshots.transferable(snapshot, failure).transferTo(out, "/var/lib/rancher/k3s");
    }

    assertThat(failure.get()).isNull();
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    Map<String, String> contents = new LinkedHashMap<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(copied.toByteArray()))) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        entries.put(entry.getName(), entry);
        contents.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    String root = "var/lib/rancher/k3s/";
    assertThat(entries.keySet())
        .containsExactly(
            root + "server/",
            root + "server/token",
            root + "server/db/" + "x".repeat(120),
            root + "server/current",
            root + "server/token-copy",
            "etc/rancher/node/",
            "etc/rancher/node/password");
    assertThat(entries.get(root + "server/").isDirectory()).isTrue();
    assertThat(entries.get(root + "server/").getMode() & 07777).isEqualTo(0755);
    assertThat(entries.get(root + "server/token").getMode() & 07777).isEqualTo(0600);
    assertThat(contents.get(root + "server/token")).isEqualTo("secret");
    assertThat(contents.get(root + "server/db/" + "x".repeat(120))).isEqualTo("long name");
    assertThat(entries.get(root + "server/current").isSymbolicLink()).isTrue();
    assertThat(entries.get(root + "server/current").getLinkName()).isEqualTo("db");
    assertThat(entries.get(root + "server/token-copy").isLink()).isTrue();
    assertThat(entries.get(root + "server/token-copy").getLinkName())
        .isEqualTo(root + "server/token");
    // k3s's node password goes where k3s keeps it, outside the server folder
    assertThat(contents.get("etc/rancher/node/password")).isEqualTo("node password");
    assertThat(entries.get("etc/rancher/node/password").getMode() & 07777).isEqualTo(0600);
  }

  @Test
  void etcds_reserved_next_wal_segment_is_left_out_and_its_data_is_not() {
    assertThat(ClusterSnapshots.preallocated("server/db/etcd/member/wal/0.tmp")).isTrue();
    assertThat(ClusterSnapshots.preallocated("server/db/etcd/member/wal/1.tmp")).isTrue();
    assertThat(
            ClusterSnapshots.preallocated(
                "server/db/etcd/member/wal/0000000000000000-0000000000000000.wal"))
        .isFalse();
    assertThat(ClusterSnapshots.preallocated("server/db/etcd/member/snap/db")).isFalse();
    assertThat(ClusterSnapshots.preallocated("server/db/state.db-wal")).isFalse();
  }

  /** An etcd WAL frame: little-endian length field (pad bytes in the top byte), record, padding. */
  private static byte[] frame(int record, int padding) {
    java.nio.ByteBuffer frame =
        java.nio.ByteBuffer.allocate(8 + record + padding).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long length = record | (padding == 0 ? 0 : (0x80L | padding) << 56);
    frame.putLong(length);
    for (int i = 0; i < record; i++) {
      frame.put((byte) (i % 251 + 1));
    }
    return frame.array();
  }

  @Test
  void a_wal_segment_keeps_its_frames_and_loses_the_zeros_etcd_reserved_after_them()
      throws Exception {
    assertThat(
            ClusterSnapshots.walSegment(
                "server/db/etcd/member/wal/0000000000000000-0000000000000000.wal"))
        .isTrue();
    assertThat(ClusterSnapshots.walSegment("server/db/etcd/member/wal/0.tmp")).isFalse();
    assertThat(ClusterSnapshots.walSegment("server/db/etcd/member/snap/db")).isFalse();
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    frames.write(frame(13, 0));
    frames.write(frame(21, 3)); // a record padded to 8 bytes: negative length field
    frames.write(frame(1000, 0));
    byte[] segment = java.util.Arrays.copyOf(frames.toByteArray(), 64 * 1024);

    byte[] used = ClusterSnapshots.walRecords(new ByteArrayInputStream(segment), segment.length);

    assertThat(used).isEqualTo(frames.toByteArray());
    // a segment full to the last byte has no empty frame: kept whole
    byte[] full = frames.toByteArray();
    assertThat(ClusterSnapshots.walRecords(new ByteArrayInputStream(full), full.length))
        .isEqualTo(full);
  }

  @Test
  void a_wal_segment_that_does_not_parse_as_frames_is_kept_whole() throws Exception {
    byte[] segment = new byte[4096];
    segment[0] = 0x7f; // a first frame longer than the segment
    segment[5] = 0x01;

    assertThat(ClusterSnapshots.walRecords(new ByteArrayInputStream(segment), segment.length))
        .isEqualTo(segment);
  }

  @Test
  void packing_trims_wal_segments_and_nothing_else() throws Exception {
    byte[] frames = frame(40, 0);
    byte[] segment = java.util.Arrays.copyOf(frames, 8192);
    byte[] zeros = new byte[8192];
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(raw)) {
      for (var file :
          Map.of(
                  "server/db/etcd/member/wal/0000000000000000-0000000000000000.wal", segment,
                  "server/db/etcd/member/snap/db", zeros)
              .entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
        entry.setSize(file.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(file.getValue());
        tar.closeArchiveEntry();
      }
    }
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    try (TarArchiveInputStream in =
            new TarArchiveInputStream(new ByteArrayInputStream(raw.toByteArray()));
        TarArchiveOutputStream out = new TarArchiveOutputStream(packed)) {
      ClusterSnapshots.copyEntries(in, out, name -> name, ClusterSnapshots::walSegment);
    }
    Map<String, byte[]> contents = new LinkedHashMap<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(packed.toByteArray()))) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        contents.put(entry.getName(), in.readAllBytes());
      }
    }
    assertThat(contents.get("server/db/etcd/member/wal/0000000000000000-0000000000000000.wal"))
        .isEqualTo(frames);
    assertThat(contents.get("server/db/etcd/member/snap/db")).isEqualTo(zeros);
  }

  @Test
  void a_file_that_is_no_snapshot_is_reported_to_the_engine() throws Exception {
    Path snapshot = Files.writeString(dir.resolve("k3s-0123456789abcdef.tar.gz"), "no snapshot");
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(new ByteArrayOutputStream())) {
      assertThatThrownBy(
              () ->
                  ClusterSnapshots.transferable(snapshot, failure)
                      .transferTo(out, "/var/lib/rancher/k3s"))
          .hasMessageContaining("could not be read");
    }
    assertThat(failure.get()).isNotNull();
  }

  @Test
  void the_list_holds_snapshots_only_and_removal_takes_part_files_and_marks_too() throws Exception {
    ClusterSnapshots snapshots = new ClusterSnapshots(dir);
    Files.writeString(dir.resolve("k3s-aaaaaaaaaaaaaaaa.tar.gz"), "a");
    Files.writeString(dir.resolve("k3s-bbbbbbbbbbbbbbbb123.tar.part"), "partial");
    Files.writeString(dir.resolve("notes.txt"), "other");
    assertThat(snapshots.list())
        .extracting(dev.sandbox.ClusterSnapshot::key)
        .containsExactly("k3s-aaaaaaaaaaaaaaaa");
    assertThat(snapshots.find("k3s-aaaaaaaaaaaaaaaa")).isPresent();
    assertThat(snapshots.discard("k3s-aaaaaaaaaaaaaaaa")).isTrue();
    // a key whose node did not come up from a snapshot: none is used or kept for it any more
    Files.writeString(dir.resolve("k3s-cccccccccccccccc.tar.gz"), "c");
    snapshots.markUnusable("k3s-cccccccccccccccc");
    assertThat(snapshots.unusable("k3s-cccccccccccccccc")).isTrue();
    assertThat(snapshots.find("k3s-cccccccccccccccc")).isEmpty();
    assertThat(snapshots.list()).isEmpty();
    snapshots.removeParts();
    assertThat(snapshots.unusable("k3s-cccccccccccccccc")).isFalse();
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString()).toList())
          .isEqualTo(List.of("notes.txt"));
    }
  }

  private static void directory(TarArchiveOutputStream tar, String name, int mode)
      throws Exception {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~07777 | mode);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, int mode, String text)
      throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~07777 | mode);
    entry.setSize(bytes.length);
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }
}
