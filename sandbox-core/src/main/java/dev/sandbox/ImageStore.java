package dev.sandbox;

import java.util.OptionalLong;

/**
 * The image store of a sandbox's k3s node: its containerd folder in a volume that {@code down}
 * keeps for the next {@code up} of that name and {@code down --purge} removes.
 *
 * @param sandbox the sandbox's name
 * @param volume the Docker volume
 * @param bytes its size, when the engine reports it
 */
public record ImageStore(String sandbox, String volume, OptionalLong bytes) {}
