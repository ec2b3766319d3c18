package dev.sandbox;

import java.util.List;

/**
 * A sandbox whose state folder root is gone, so no command can reach it: what {@link
 * SandboxEngine#orphans()} finds and {@link SandboxEngine#removeOrphan} removes.
 *
 * @param name the sandbox's name
 * @param stateRoot the state folder root it was started with, which no longer exists
 * @param containers the names of its containers
 */
public record OrphanedSandbox(String name, String stateRoot, List<String> containers) {}
