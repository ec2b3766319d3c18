package dev.sandbox;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A snapshot of a ready k3s cluster that new nodes of the same image and k3s flags boot from (see
 * README, "What `up` does").
 *
 * @param key the node image and k3s flags it belongs to
 * @param file where it is kept (owner-only: it holds the cluster CA's keys)
 * @param bytes its size
 * @param taken when it was written
 */
public record ClusterSnapshot(String key, Path file, long bytes, Instant taken) {}
