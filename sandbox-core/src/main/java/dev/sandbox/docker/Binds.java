package dev.sandbox.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import java.util.ArrayList;
import java.util.List;

/** Binds given to Docker in a container's create command, next to those it has. Internal. */
public final class Binds {

  private Binds() {}

  /** Adds {@code more} to the binds of {@code cmd}, keeping the ones it has. */
  public static void add(CreateContainerCmd cmd, List<Bind> more) {
    Bind[] present = cmd.getHostConfig().getBinds();
    List<Bind> binds = new ArrayList<>(present == null ? List.of() : List.of(present));
    binds.addAll(more);
    cmd.getHostConfig().withBinds(binds);
  }
}
