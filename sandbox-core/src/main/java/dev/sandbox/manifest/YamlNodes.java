package dev.sandbox.manifest;

import dev.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reading YAML documents as node trees with their positions, and turning a problem at a node into a
 * {@link SandboxException.ManifestApply} that starts with {@code file:line:column: document n:}.
 * Shared by {@link Preflight}, {@link KustomizationCheck} and {@link ManifestLoader}.
 */
final class YamlNodes {

  private YamlNodes() {}

  /**
   * Every document of {@code text} as a node tree; syntax errors, duplicate keys and unknown tags
   * are reported with their position and 1-based document number.
   */
  static List<Node> documents(Path file, String text) {
    String source = file.toString();
    List<Node> documents = new ArrayList<>();
    try {
      for (Node node :
          new Compose(YamlInput.settings(source, text, false)).composeAllFromString(text)) {
        documents.add(node);
      }
    } catch (MarkedYamlEngineException e) {
      throw new SandboxException.ManifestApply(syntaxError(source, documents.size() + 1, e), null);
    } catch (YamlEngineException e) {
      throw new SandboxException.ManifestApply(
          source
              + ": document "
              + (documents.size() + 1)
              + ": not valid YAML: "
              + e.getMessage().replace('\n', ' '),
          null);
    }
    int constructed = 0;
    try {
      // composing accepts duplicate keys and unknown tags; constructing, as the loaders do, rejects
      for (Object ignored :
          new Load(YamlInput.settings(source, text, false)).loadAllFromString(text)) {
        constructed++;
      }
    } catch (MarkedYamlEngineException e) {
      throw new SandboxException.ManifestApply(syntaxError(source, constructed + 1, e), null);
    } catch (YamlEngineException e) {
      throw new SandboxException.ManifestApply(
          source + ": document " + (constructed + 1) + ": " + e.getMessage().replace('\n', ' '),
          null);
    }
    return documents;
  }

  /** {@code file:line:column: document n: not valid YAML: problem.} */
  static String syntaxError(String source, int document, MarkedYamlEngineException e) {
    Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
    String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
    String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
    return location(
            source, mark == null ? 0 : mark.getLine() + 1, mark == null ? 0 : mark.getColumn() + 1)
        + "document "
        + document
        + ": not valid YAML: "
        + problem
        + context
        + ". Check indentation and quoting around this spot.";
  }

  /** Builds {@link SandboxException.ManifestApply} for a problem in {@code file}. */
  static YamlInput.Failure failure(Path file, String where) {
    return (line, column, problem) ->
        new SandboxException.ManifestApply(
            location(file.toString(), line, column)
                + (where.isEmpty() ? "" : where + ": ")
                + problem,
            null);
  }

  static SandboxException at(Path file, String where, Node node, String problem) {
    Optional<Mark> mark = node.getStartMark();
    return (SandboxException)
        failure(file, where)
            .at(
                mark.map(m -> m.getLine() + 1).orElse(0),
                mark.map(m -> m.getColumn() + 1).orElse(0),
                problem);
  }

  static String location(String source, int line, int column) {
    StringBuilder text = new StringBuilder(source);
    if (line > 0) {
      text.append(':').append(line);
      if (column > 0) {
        text.append(':').append(column);
      }
    }
    return text.append(": ").toString();
  }

  static List<Node> list(Path file, String where, Node node) {
    if (node instanceof SequenceNode sequence) {
      return sequence.getValue();
    }
    if (isEmpty(node)) {
      return List.of();
    }
    throw at(file, where, node, "expected a list, found " + describe(node) + ".");
  }

  static Node value(MappingNode map, String key) {
    for (NodeTuple tuple : map.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        return tuple.getValueNode();
      }
    }
    return null;
  }

  /** The scalar value at {@code key}, or null when absent or not a scalar. */
  static String scalar(MappingNode map, String key) {
    return value(map, key) instanceof ScalarNode s && !isEmpty(s) ? s.getValue() : null;
  }

  static boolean isEmpty(Node node) {
    return node instanceof ScalarNode s
        && s.getValue().isEmpty()
        && s.getTag().getValue().endsWith(":null");
  }

  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    String value = ((ScalarNode) node).getValue();
    return value.isEmpty()
        ? "nothing"
        : "'" + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'";
  }
}
