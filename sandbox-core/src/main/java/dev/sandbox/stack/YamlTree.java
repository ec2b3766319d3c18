package dev.sandbox.stack;

import dev.sandbox.StackFileException;
import dev.sandbox.manifest.YamlInput;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
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
 * YAML node trees with their source positions: composing, merging over defaults, and reporting
 * errors at the node that caused them. Values are read through {@link YamlTree.Entry}.
 */
public final class YamlTree {

  private YamlTree() {}

  /** Composes one YAML document; syntax errors become {@link StackFileException}s. */
  public static Optional<Node> compose(String label, String text) {
    String checked =
        YamlInput.check(
            text,
            YamlInput.STACK_FILE_LIMIT,
            (line, column, problem) -> new StackFileException(label, line, column, "", problem));
    LoadSettings settings = YamlInput.settings(label, checked, true);
    try {
      return new Compose(settings).composeString(checked);
    } catch (MarkedYamlEngineException e) {
      Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
      String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
      throw new StackFileException(
          label,
          mark == null ? 0 : mark.getLine() + 1,
          mark == null ? 0 : mark.getColumn() + 1,
          "",
          "not valid YAML: " + problem + ". Check indentation and quoting around this spot.");
    } catch (YamlEngineException e) {
      throw new StackFileException(label, 0, 0, "", "not valid YAML: " + e.getMessage());
    }
  }

  /**
   * Deep-merges {@code override} over {@code base}: mappings key by key, everything else replaced.
   * Nodes keep the marks of the file they came from.
   */
  public static Node merge(Node base, Node override) {
    if (base instanceof MappingNode baseMap && override instanceof MappingNode overrideMap) {
      Map<String, NodeTuple> byKey = new java.util.LinkedHashMap<>();
      for (NodeTuple tuple : baseMap.getValue()) {
        byKey.put(keyText(tuple), tuple);
      }
      List<NodeTuple> extra = new ArrayList<>();
      java.util.Set<String> seenInOverride = new java.util.HashSet<>();
      for (NodeTuple tuple : overrideMap.getValue()) {
        String key = keyText(tuple);
        NodeTuple existing = byKey.get(key);
        if (existing != null && seenInOverride.add(key)) {
          byKey.put(
              key,
              new NodeTuple(
                  tuple.getKeyNode(), merge(existing.getValueNode(), tuple.getValueNode())));
        } else {
          // unknown or duplicate keys are kept so validation can report them where they are
          extra.add(tuple);
        }
      }
      List<NodeTuple> merged = new ArrayList<>(byKey.values());
      merged.addAll(extra);
      return new MappingNode(
          overrideMap.getTag(),
          true,
          merged,
          overrideMap.getFlowStyle(),
          overrideMap.getStartMark(),
          overrideMap.getEndMark());
    }
    return override;
  }

  static String keyText(NodeTuple tuple) {
    return tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?";
  }

  /** Damerau–Levenshtein distance capped by the caller; used for "did you mean" hints. */
  static Optional<String> closest(String word, Collection<String> candidates) {
    return candidates.stream()
        .filter(
            candidate ->
                distance(word.toLowerCase(), candidate.toLowerCase())
                    <= Math.max(2, word.length() / 3))
        .min(
            Comparator.comparingInt(
                candidate -> distance(word.toLowerCase(), candidate.toLowerCase())));
  }

  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + cost);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** A node at a key path, able to report errors at its own position. */
  public record Entry(String path, Node node) {

    public StackFileException error(String problem) {
      return errorAt(node, path, problem);
    }

    static StackFileException errorAt(Node node, String path, String problem) {
      Optional<Mark> mark = node.getStartMark();
      return new StackFileException(
          mark.map(Mark::getName).orElse("<stack>"),
          mark.map(m -> m.getLine() + 1).orElse(0),
          mark.map(m -> m.getColumn() + 1).orElse(0),
          path,
          problem);
    }

    /** The file this node was read from. */
    String file() {
      return node.getStartMark().map(Mark::getName).orElse("<stack>");
    }

    /**
     * This node as a mapping whose keys must all be in {@code known}; unknown and duplicate keys
     * are errors at the key itself.
     */
    public Map<String, Entry> mapping(List<String> known) {
      if (!(node instanceof MappingNode mapping)) {
        throw error(
            "expected a mapping with the keys "
                + String.join(", ", known)
                + ", found "
                + describe(node)
                + ".");
      }
      Map<String, Entry> result = new java.util.LinkedHashMap<>();
      Map<String, Node> seen = new HashMap<>();
      for (NodeTuple tuple : mapping.getValue()) {
        Node keyNode = tuple.getKeyNode();
        String key = keyText(tuple);
        String keyPath = child(key);
        if (!(keyNode instanceof ScalarNode)) {
          throw errorAt(keyNode, path, "keys must be plain strings.");
        }
        if (seen.containsKey(key) && sameFile(seen.get(key), keyNode)) {
          throw errorAt(
              keyNode,
              keyPath,
              "duplicate key; it is already set on line "
                  + seen.get(key).getStartMark().map(m -> m.getLine() + 1).orElse(0)
                  + ". Keep one.");
        }
        seen.put(key, keyNode);
        if (!known.contains(key)) {
          String hint = closest(key, known).map(s -> " Did you mean '" + s + "'?").orElse("");
          throw errorAt(
              keyNode,
              keyPath,
              "unknown key." + hint + " Known keys here: " + String.join(", ", known) + ".");
        }
        result.put(key, new Entry(keyPath, tuple.getValueNode()));
      }
      return result;
    }

    /** A mapping with free-form keys (image map, secret keys). */
    public Map<String, Entry> freeMapping(String what) {
      if (!(node instanceof MappingNode mapping)) {
        throw error("expected a mapping of " + what + ", found " + describe(node) + ".");
      }
      Map<String, Entry> result = new java.util.LinkedHashMap<>();
      Map<String, Node> seen = new HashMap<>();
      for (NodeTuple tuple : mapping.getValue()) {
        String key = keyText(tuple);
        if (seen.containsKey(key) && sameFile(seen.get(key), tuple.getKeyNode())) {
          throw errorAt(tuple.getKeyNode(), child(key), "duplicate key. Keep one.");
        }
        seen.put(key, tuple.getKeyNode());
        result.put(key, new Entry(child(key), tuple.getValueNode()));
      }
      return result;
    }

    public List<Entry> sequence(String what) {
      if (!(node instanceof SequenceNode sequence)) {
        throw error("expected a list of " + what + ", found " + describe(node) + ".");
      }
      List<Entry> result = new ArrayList<>();
      List<Node> items = sequence.getValue();
      for (int i = 0; i < items.size(); i++) {
        result.add(new Entry(path + "[" + i + "]", items.get(i)));
      }
      return result;
    }

    public String string() {
      if (!(node instanceof ScalarNode scalar)) {
        throw error("expected a single value, found " + describe(node) + ".");
      }
      return scalar.getValue();
    }

    public String nonBlank(String what) {
      String value = string().trim();
      if (value.isEmpty()) {
        throw error("must not be empty; expected " + what + ".");
      }
      return value;
    }

    public boolean bool() {
      String value = string().trim().toLowerCase();
      return switch (value) {
        case "true", "yes", "on" -> true;
        case "false", "no", "off" -> false;
        default -> throw error("expected true or false, found '" + string() + "'.");
      };
    }

    String child(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    private static boolean sameFile(Node a, Node b) {
      return a.getStartMark().map(Mark::getName).equals(b.getStartMark().map(Mark::getName));
    }

    private static String describe(Node node) {
      if (node instanceof MappingNode) {
        return "a mapping";
      }
      if (node instanceof SequenceNode) {
        return "a list";
      }
      String value = ((ScalarNode) node).getValue();
      return value.isEmpty() ? "nothing" : "'" + value + "'";
    }
  }
}
