package dev.sandbox;

import dev.sandbox.stack.Stack;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * The official images {@code up} of a stack runs, before any image map, so that a front end can
 * make sure they exist (or have them built) before anything starts. Pure: asks no Docker engine.
 */
public final class RequiredImages {

  private RequiredImages() {}

  /**
   * k3s, each enabled backing service, Prometheus when monitoring is on, and Testcontainers' own
   * helpers (its resource reaper and the tiny image of its start-up checks), in that order. The
   * stack's own {@code images} are not included: the team builds those.
   */
  public static List<String> of(Stack stack) {
    List<String> images = new ArrayList<>(stack.officialImages());
    TestcontainersConfiguration testcontainers = TestcontainersConfiguration.getInstance();
    images.add(testcontainers.getRyukImage());
    images.add(testcontainers.getTinyImage());
    return List.copyOf(new LinkedHashSet<>(images));
  }
}
