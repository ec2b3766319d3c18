package dev.sandbox;

import java.util.OptionalLong;

/**
 * The machine's image seed for one k3s image: a containerd folder that the image store of a sandbox
 * name never started before begins as, so that its node finds the images an earlier node held.
 * {@code down} refreshes it from the node's store; {@code gc --snapshots} removes it. Image layers
 * are hard links shared with the stores, so it costs disk only for what no store holds any more.
 *
 * @param volume the Docker volume
 * @param nodeImage the ID of the k3s image whose containerd wrote it
 * @param bytes its size as the engine reports it (hard links counted in full), when it does
 */
public record ImageSeed(String volume, String nodeImage, OptionalLong bytes) {}
